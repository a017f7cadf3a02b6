// Query limits (size, tokens, depth, aliases, cost, introspection) that HTTP and WebSocket requests share.
//
// Apply them the same way on both transports:
//   const sizeError = checkDocumentSize(source, limits);            // before (or instead of) the plain parse
//   validate(schema, document, [...specifiedRules, ...limitRules(limits, variables), introspectionRule(allowed)]);
// The cost rule needs the request's variables to price `first: $n`; without them it falls back to the
// variable's default, then the argument's default, then 100, so run it per request where variables are known.

import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  Lexer,
  type OperationDefinitionNode,
  parse,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  Source,
  TokenKind,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';

export interface QueryLimits {
  /** Longest chain of nested fields, counted through fragments; `{ a { b } }` has depth 2 (see {@link depthRule}). @default 12 */
  maxDepth: number;
  /** Aliased fields in one operation, each fragment it uses counted once. @default 20 */
  maxAliases: number;
  /**
   * Estimated work: every field costs 1, and a field with a `first` or `limit` argument multiplies its
   * children's cost by that page size (100 when it cannot be known). @default 100_000 (a run's
   * full metrics history, 10,000 events of a few fields, costs about 70,000)
   */
  maxCost: number;
  /** Lexical tokens in the query text (comments excluded), as graphql's parser counts them. @default 2_000 */
  maxTokens: number;
  /** UTF-8 bytes of the query text. @default 20_000 // 20 kB */
  maxQueryBytes: number;
}

export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxDepth: 12,
  maxAliases: 20,
  maxCost: 100_000,
  maxTokens: 2_000,
  maxQueryBytes: 20_000,
});

/** `extensions.code` of the errors this module reports. */
export const QueryLimitErrorCode = {
  /** Over a size, token, depth, alias or cost limit. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** `__schema` or `__type` asked for while introspection is off. */
  INTROSPECTION_DISABLED: 'INTROSPECTION_DISABLED',
} as const;
export type QueryLimitErrorCode = (typeof QueryLimitErrorCode)[keyof typeof QueryLimitErrorCode];

/** The page size assumed for a `first`/`limit` argument whose value cannot be known. */
export const DEFAULT_PAGE_SIZE = 100;

/** Argument names that make a field a page of its children. */
const PAGE_ARGUMENTS = ['first', 'limit'];

/** A request's variables, as HTTP and WebSocket payloads carry them. */
export type QueryVariables = Readonly<Record<string, unknown>> | null | undefined;

/** The validation rules for depth, aliases and cost; `variables` price `first: $n` (see {@link costRule}). */
export function limitRules(limits: Partial<QueryLimits> = {}, variables?: QueryVariables): ValidationRule[] {
  const { maxDepth, maxAliases, maxCost } = { ...DEFAULT_QUERY_LIMITS, ...limits };
  return [depthRule(maxDepth), aliasRule(maxAliases), costRule(maxCost, variables)];
}

/**
 * Checks the query text before it is parsed for execution: its UTF-8 size, then its token count through
 * graphql's `parse(source, { maxLexicalTokens })`. Returns the error to send, or undefined when the text is
 * within the limits. A plain syntax error also returns undefined: the normal parse reports it.
 */
export function checkDocumentSize(source: string, limits: Partial<QueryLimits> = {}): GraphQLError | undefined {
  const { maxQueryBytes, maxTokens } = { ...DEFAULT_QUERY_LIMITS, ...limits };
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > maxQueryBytes) {
    return tooComplex(`query size ${bytes} bytes exceeds the limit of ${maxQueryBytes} bytes`, 'maxQueryBytes', bytes, maxQueryBytes);
  }
  try {
    parse(source, { maxLexicalTokens: maxTokens, noLocation: true });
    return undefined;
  } catch {
    // The parser stops at the limit without the total; the text is within maxQueryBytes, so counting is cheap.
    const tokens = countTokens(source);
    if (tokens <= maxTokens) return undefined;
    return tooComplex(`query token count ${tokens} exceeds the limit of ${maxTokens}`, 'maxTokens', tokens, maxTokens);
  }
}

/** Rejects `__schema` and `__type` unless `allowed`; `__typename` always passes. */
export function introspectionRule(allowed: boolean): ValidationRule {
  if (allowed) return () => ({});
  return (context) => ({
    Field(node) {
      const name = node.name.value;
      if (name !== '__schema' && name !== '__type') return;
      context.reportError(
        new GraphQLError(`introspection is disabled on this server: the field ${name} is not allowed`, {
          nodes: [node],
          extensions: { code: QueryLimitErrorCode.INTROSPECTION_DISABLED },
        }),
      );
    },
  });
}

/**
 * Rejects an operation whose longest chain of nested fields is deeper than `maxDepth`. Inside `__schema` and
 * `__type`, `ofType` is not counted: it unwraps one List/NonNull of a single type, so it cannot fan out, and the
 * standard introspection query (15 deep with it) then measures 6 and passes the default limit.
 */
export function depthRule(maxDepth: number): ValidationRule {
  return perOperation((context, operation) => {
    // A fragment's depth does not depend on where it is spread (only on whether that is inside introspection), so
    // each is measured once: linear in the document even when fragments fan out. A fragment already being
    // measured is a cycle (NoFragmentCyclesRule reports it) and adds nothing.
    const memo = new Map<string, number>();
    const depthOfFragment = (name: string, introspection: boolean): number => {
      const key = `${introspection}:${name}`;
      const known = memo.get(key);
      if (known !== undefined) return known;
      memo.set(key, 0);
      const fragment = context.getFragment(name);
      const depth = fragment ? depthOf(fragment.selectionSet, introspection) : 0;
      memo.set(key, depth);
      return depth;
    };
    const depthOf = (set: SelectionSetNode, introspection: boolean): number => {
      let deepest = 0;
      for (const selection of set.selections) {
        let depth: number;
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const inside = introspection || name === '__schema' || name === '__type';
          const own = introspection && name === 'ofType' ? 0 : 1;
          depth = own + (selection.selectionSet ? depthOf(selection.selectionSet, inside) : 0);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          depth = depthOf(selection.selectionSet, introspection);
        } else {
          depth = depthOfFragment(selection.name.value, introspection);
        }
        if (depth > deepest) deepest = depth;
      }
      return deepest;
    };
    const depth = depthOf(operation.selectionSet, false);
    if (depth > maxDepth) {
      context.reportError(tooComplex(`query depth ${depth} exceeds the limit of ${maxDepth}`, 'maxDepth', depth, maxDepth, operation));
    }
  });
}

/** Rejects an operation with more than `maxAliases` aliased fields; each fragment it uses counts once. */
export function aliasRule(maxAliases: number): ValidationRule {
  return perOperation((context, operation) => {
    // Repeating a fragment spread does not repeat its fields in the response (they merge), so each counts once;
    // the cost rule is what prices a fragment used under several parents.
    const seen = new Set<string>();
    const aliasesIn = (set: SelectionSetNode): number => {
      let count = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.alias) count++;
          if (selection.selectionSet) count += aliasesIn(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          count += aliasesIn(selection.selectionSet);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) count += aliasesIn(fragment.selectionSet);
        }
      }
      return count;
    };
    const aliases = aliasesIn(operation.selectionSet);
    if (aliases > maxAliases) {
      context.reportError(
        tooComplex(`query alias count ${aliases} exceeds the limit of ${maxAliases}`, 'maxAliases', aliases, maxAliases, operation),
      );
    }
  });
}

/**
 * Rejects an operation whose estimated cost is over `maxCost`. Every field costs 1; a field whose definition
 * (or the query) has a `first` or `limit` argument costs 1 plus page size × its children's cost. The page size
 * is the literal, else the request's variable, else the variable's default in the operation, else the schema
 * argument's default, else {@link DEFAULT_PAGE_SIZE}.
 */
export function costRule(maxCost: number, variables?: QueryVariables): ValidationRule {
  return perOperation((context, operation) => {
    const cost = queryCost(context.getSchema(), operation, (name) => context.getFragment(name), variables);
    if (cost > maxCost) {
      context.reportError(tooComplex(`query cost ${cost} exceeds the limit of ${maxCost}`, 'maxCost', cost, maxCost, operation));
    }
  });
}

/** The cost {@link costRule} charges for one operation of a document. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables?: QueryVariables,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return queryCost(schema, operation, (name) => fragments.get(name), variables);
}

function queryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  getFragment: (name: string) => FragmentDefinitionNode | null | undefined,
  variables: QueryVariables,
): number {
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  const pageSize = (field: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number | undefined => {
    for (const name of PAGE_ARGUMENTS) {
      const argument = field.arguments?.find((a) => a.name.value === name);
      const schemaArgument = definition?.args.find((a) => a.name === name);
      if (!argument && !schemaArgument) continue;
      const value = argument?.value;
      if (value?.kind === Kind.VARIABLE) {
        const variable = value.name.value;
        const given = variables?.[variable];
        if (given !== undefined && given !== null) return asPageSize(given) ?? DEFAULT_PAGE_SIZE;
        const fallback = variableDefaults.get(variable);
        return asPageSize(fallback ? valueFromASTUntyped(fallback) : undefined) ?? schemaDefault(schemaArgument);
      }
      if (value && value.kind !== Kind.NULL) return asPageSize(valueFromASTUntyped(value)) ?? DEFAULT_PAGE_SIZE;
      return schemaDefault(schemaArgument);
    }
    return undefined;
  };

  // A fragment's cost does not depend on where it is spread (its type condition fixes its types), so each is
  // priced once; a fragment already being priced is a cycle and adds nothing.
  const memo = new Map<string, number>();
  const fragmentCost = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    memo.set(name, 0);
    const fragment = getFragment(name);
    const cost = fragment ? selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value)) : 0;
    memo.set(name, cost);
    return cost;
  };
  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType | undefined): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const definition = fieldDefinition(schema, parent, selection.name.value);
        const children = selection.selectionSet
          ? selectionCost(selection.selectionSet, definition ? getNamedType(definition.type) : undefined)
          : 0;
        cost += 1 + (pageSize(selection, definition) ?? 1) * children;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += selectionCost(selection.selectionSet, type);
      } else {
        cost += fragmentCost(selection.name.value);
      }
    }
    return cost;
  };
  return selectionCost(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
}

/** The field's definition as graphql's TypeInfo finds it, meta-fields included. */
function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLNamedType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (!parent) return undefined;
  if (name === SchemaMetaFieldDef.name && parent === schema.getQueryType()) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name && parent === schema.getQueryType()) return TypeMetaFieldDef;
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

function schemaDefault(argument: GraphQLArgument | undefined): number {
  return asPageSize(argument?.defaultValue) ?? DEFAULT_PAGE_SIZE;
}

function asPageSize(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return Math.max(0, Math.floor(value));
}

/** Counts the tokens graphql's parser would count (comments and the end marker excluded), up to a lexing error. */
function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // A character the lexer rejects ends the count; the normal parse reports it.
  }
  return count;
}

/** A rule that measures each operation once its whole document (fragments included) has been seen. */
function perOperation(measure: (context: ValidationContext, operation: OperationDefinitionNode) => void): ValidationRule {
  return (context): ASTVisitor => ({
    Document: {
      leave(document) {
        for (const definition of document.definitions) {
          if (definition.kind === Kind.OPERATION_DEFINITION) measure(context, definition);
        }
      },
    },
  });
}

function tooComplex(message: string, limit: keyof QueryLimits, value: number, max: number, node?: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, {
    nodes: node ? [node] : undefined,
    extensions: { code: QueryLimitErrorCode.QUERY_TOO_COMPLEX, limit, value, max },
  });
}
