// GraphQL operations generated from a schema, so the fuzzer follows the API as it changes: for a root field, its
// arguments (sent as variables of their declared types, or written inline) with values of the right type, the wrong
// type, extreme numbers, long and odd strings, random and real ids, nested input objects with unknown fields; and a
// selection of its result's fields, nested fields with their own arguments included.

import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface Operation {
  kind: OperationKind;
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** Real values of the server under test, so that some operations get past "not found" to the code behind it. */
export interface Fixtures {
  /**
   * Ids of things that exist, by kind (model, dataset, run, upload...). An argument or field named after a kind
   * (`modelId`, `datasetId`) gets that kind's ids; one named `id` gets any.
   */
  ids: Readonly<Record<string, readonly string[]>>;
  /** Strings that mean something to the server: model folder paths, task names, strategy ids. */
  strings: readonly string[];
}

export interface GenerateOptions {
  fixtures: Fixtures;
  /** Fields whose ids never name a fixture (deletions), so the fixtures survive the run. */
  destructive: (field: string) => boolean;
}

const NOT_UUIDS = [
  '',
  'nope',
  '1',
  '-1',
  '00000000-0000-0000-0000-00000000000g',
  "' OR 1=1 --",
  '../../etc/passwd',
  '\u0000',
  'x'.repeat(5_000),
];

const hostileString = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-0', '1e309', 'null', '__proto__', 'constructor', '{}', '%s%n', '\uD800', '\u0000'),
  fc.constantFrom('x'.repeat(70_000), 'é'.repeat(20_000)),
);

/** GraphQL Ints (32-bit), small and extreme. */
const extremeInt = fc.oneof(fc.integer({ min: -3, max: 64 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 1_000_000_000));
const hostileInt = fc.oneof(extremeInt, fc.constantFrom<unknown>(2 ** 31, 2 ** 53, 1.5, -0.5, 1e308, 'NaN', '12', true, null));

const extremeFloat = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-300, 1e308, -1e308, 2e-5, 0.5, 1, 3),
);
const hostileFloat = fc.oneof(extremeFloat, fc.constantFrom<unknown>('NaN', 'Infinity', '-Infinity', '1e309', null, true));

const validDateTime = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }).map((d) => d.toISOString());
const dateTime = fc.oneof(
  validDateTime,
  fc.constantFrom('2026-12-03T00:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'yesterday', '', '2026-13-45T99:99:99Z', '0'),
);

/** A JSON value for JSON/JSONObject scalars: plain, odd keys, deep nesting, big. */
const jsonScalar = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'r', 'alpha', 'text', 'label')),
    fc.jsonValue({ maxDepth: 2 }),
    {
      maxKeys: 4,
    },
  ),
  fc.integer({ min: 1, max: 1_500 }).map((depth) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as unknown),
  fc.constantFrom<unknown>({ r: 2 ** 31 }, { r: -1, alpha: 'x' }, { text: 5, label: 'label' }, { text: 'text' }),
);

function uuidArbitrary(): fc.Arbitrary<string> {
  return fc.uuid();
}

/** How one operation's values are drawn. */
interface Mode {
  /** Ids never name a fixture. */
  destructive: boolean;
  /** Every value has its declared type (no nulls for required values, no unknown fields). */
  wellTyped: boolean;
}

/** The fixture ids for an argument or field called `name`: its kind's (`runId`: runs), or all of them for `id`. */
function fixtureIds(fixtures: Fixtures, name: string): (readonly string[])[] {
  const kind = /^(.*?)Ids?$/.exec(name)?.[1]?.toLowerCase();
  const own = kind ? fixtures.ids[kind] : undefined;
  const all = Object.values(fixtures.ids).flat();
  const ids = own && own.length > 0 ? own : all;
  return ids.length > 0 ? [ids] : [];
}

export class OperationGenerator {
  readonly #schema: GraphQLSchema;
  readonly #options: GenerateOptions;

  constructor(schema: GraphQLSchema, options: GenerateOptions) {
    this.#schema = schema;
    this.#options = options;
  }

  /** Every root field of every operation type. */
  roots(): { kind: OperationKind; field: GraphQLField<unknown, unknown> }[] {
    const out: { kind: OperationKind; field: GraphQLField<unknown, unknown> }[] = [];
    const types: [OperationKind, GraphQLObjectType | null | undefined][] = [
      ['query', this.#schema.getQueryType()],
      ['mutation', this.#schema.getMutationType()],
      ['subscription', this.#schema.getSubscriptionType()],
    ];
    for (const [kind, type] of types) for (const field of Object.values(type?.getFields() ?? {})) out.push({ kind, field });
    return out;
  }

  /** An operation on one of the root fields `pick` allows. */
  operation(pick: (kind: OperationKind, field: string) => boolean = () => true): fc.Arbitrary<Operation> {
    const roots = this.roots().filter((r) => pick(r.kind, r.field.name));
    return fc.constantFrom(...roots).chain(({ kind, field }) => this.#operationOn(kind, field));
  }

  #operationOn(kind: OperationKind, field: GraphQLField<unknown, unknown>): fc.Arbitrary<Operation> {
    const destructive = this.#options.destructive(field.name);
    // Half the operations are well typed throughout (extreme values, but of the declared types), so that they reach
    // the resolvers; the other half mix in nulls, wrong types and unknown fields, which graphql itself must refuse.
    const arbitrary = (wellTyped: boolean) =>
      fc.record({
        args: this.#arguments(field.args, { destructive, wellTyped }),
        selection: this.#selection(field.type, 2, { destructive, wellTyped }),
        inline: fc.boolean(),
      });
    return fc.oneof(arbitrary(true), arbitrary(false)).map(({ args, selection, inline }) => {
      const variables: Record<string, unknown> = {};
      const declarations: string[] = [];
      const written = args.map(({ arg, value }, i) => {
        if (inline) return `${arg.name}: ${literal(value, arg.type)}`;
        declarations.push(`$v${i}: ${String(arg.type)}`);
        variables[`v${i}`] = value;
        return `${arg.name}: $v${i}`;
      });
      const header = declarations.length > 0 ? `(${declarations.join(', ')})` : '';
      const call = written.length > 0 ? `(${written.join(', ')})` : '';
      return { kind, field: field.name, query: `${kind} Fuzz${header} { ${field.name}${call}${selection} }`, variables };
    });
  }

  /** Values for the arguments: required ones always (sometimes null), optional ones sometimes. */
  #arguments(args: readonly GraphQLArgument[], mode: Mode): fc.Arbitrary<{ arg: GraphQLArgument; value: unknown }[]> {
    const parts = args.map((arg) => {
      const value = this.#value(arg.type, 3, mode, arg.name).map((v) => ({ arg, value: v }));
      return isNonNullType(arg.type) && arg.defaultValue === undefined ? value : fc.option(value, { freq: 2, nil: undefined });
    });
    return fc.tuple(...parts).map((values) => values.filter((v): v is { arg: GraphQLArgument; value: unknown } => v !== undefined));
  }

  #value(type: GraphQLInputType, depth: number, mode: Mode, name: string): fc.Arbitrary<unknown> {
    if (isNonNullType(type)) {
      const inner = this.#value(type.ofType, depth, mode, name);
      return mode.wellTyped ? inner : fc.oneof({ weight: 12, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
    }
    if (isListType(type)) {
      const item = this.#value(type.ofType, depth - 1, mode, name);
      const lists = [fc.array(item, { maxLength: 3 }), fc.array(item, { minLength: 40, maxLength: 60 })];
      return mode.wellTyped ? fc.oneof(...lists) : fc.oneof(...lists, item, fc.constant(null));
    }
    const right = this.#named(getNamedType(type), depth, mode, name);
    if (mode.wellTyped) return right;
    const wrongType = fc.oneof(hostileString, hostileInt, fc.constant({}), fc.constant([]));
    return fc.oneof({ weight: 8, arbitrary: right }, { weight: 1, arbitrary: wrongType });
  }

  #named(type: GraphQLNamedType, depth: number, mode: Mode, name: string): fc.Arbitrary<unknown> {
    const { fixtures } = this.#options;
    if (isEnumType(type)) {
      if (mode.wellTyped) return fc.constantFrom(...type.getValues().map((v) => v.name));
      return fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) },
        { weight: 1, arbitrary: hostileString },
      );
    }
    if (isInputObjectType(type)) {
      if (depth <= 0) return fc.constant({});
      const fields = Object.values(type.getFields());
      const parts = fields.map((f) => {
        const value = this.#value(f.type, depth - 1, mode, f.name).map((v) => [f.name, v] as const);
        if (isNonNullType(f.type) && f.defaultValue === undefined) {
          return mode.wellTyped ? value : fc.oneof({ weight: 10, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) });
        }
        return fc.option(value, { nil: undefined });
      });
      const unknownField = mode.wellTyped
        ? fc.constant(undefined)
        : fc.option(fc.tuple(fc.constantFrom('nope', '__proto__', 'constructor', 'id'), hostileString), { freq: 8, nil: undefined });
      return fc.tuple(fc.tuple(...parts), unknownField).map(([entries, extra]) => {
        const obj: Record<string, unknown> = {};
        for (const e of entries) if (e) obj[e[0]] = e[1];
        if (extra) Object.defineProperty(obj, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
        return obj;
      });
    }
    if (!isScalarType(type)) return fc.constant(null);
    switch (type.name) {
      case 'ID': {
        const real = mode.destructive ? [] : fixtureIds(fixtures, name).map((ids) => ({ weight: 6, arbitrary: fc.constantFrom(...ids) }));
        return fc.oneof(
          ...real,
          { weight: 3, arbitrary: uuidArbitrary() },
          { weight: 2, arbitrary: fc.constantFrom(...NOT_UUIDS) },
          { weight: 1, arbitrary: fc.integer() },
        );
      }
      case 'String':
        return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fixtures.strings) }, { weight: 3, arbitrary: hostileString });
      case 'Int':
        return mode.wellTyped ? extremeInt : hostileInt;
      case 'Float':
        return mode.wellTyped ? extremeFloat : hostileFloat;
      case 'Boolean':
        if (mode.wellTyped) return fc.boolean();
        return fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>('true', 0, 1) });
      case 'DateTimeISO':
        return mode.wellTyped ? validDateTime : dateTime;
      case 'JSON':
      case 'JSONObject':
        return jsonScalar;
      default:
        return fc.oneof(hostileString, jsonScalar);
    }
  }

  /** A selection of `type`'s fields: leaves, and objects to `depth` levels with their own arguments. */
  #selection(type: GraphQLOutputType, depth: number, mode: Mode): fc.Arbitrary<string> {
    const named = getNamedType(type);
    if (isLeafType(named)) return fc.constant('');
    if (!isObjectType(named)) return fc.constant(' { __typename }');
    const fields = Object.values(named.getFields()).filter(
      (f) => depth > 0 || (isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined)),
    );
    const pieces = fields.map((f) =>
      fc.record({ args: this.#arguments(f.args, mode), sub: this.#selection(f.type, depth - 1, mode) }).map(({ args, sub }) => {
        const call = args.length > 0 ? `(${args.map(({ arg, value }) => `${arg.name}: ${literal(value, arg.type)}`).join(', ')})` : '';
        return `${f.name}${call}${sub}`;
      }),
    );
    if (pieces.length === 0) return fc.constant(' { __typename }');
    return fc
      .subarray(
        pieces.map((_, i) => i),
        { minLength: 1, maxLength: Math.min(6, pieces.length) },
      )
      .chain((chosen) =>
        fc.tuple(...chosen.map((i) => pieces[i] as fc.Arbitrary<string>)).map((parts) => ` { __typename ${parts.join(' ')} }`),
      );
  }
}

/** A value written inline as GraphQL: enum names bare where the type is an enum, the rest as JSON-like literals. */
export function literal(value: unknown, type: GraphQLInputType, depth = 0): string {
  const named = getNamedType(type);
  if (value === null || value === undefined) return 'null';
  // Deep JSON (thousands of levels) is written without recursion here: the server's parser is what should cope.
  if (depth > 100) return JSON.stringify(value).replace(/"([_A-Za-z][_0-9A-Za-z]*)":/g, '$1:');
  if (Array.isArray(value)) {
    const inner = unwrapNonNull(type);
    const item = isListType(inner) ? inner.ofType : type;
    return `[${value.map((v) => literal(v, item, depth + 1)).join(', ')}]`;
  }
  if (typeof value === 'string') return isEnumType(named) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'boolean') return String(value);
  const fields = isInputObjectType(named) ? named.getFields() : {};
  const entries = Object.entries(value as Record<string, unknown>).filter(([k]) => /^[_A-Za-z][_0-9A-Za-z]*$/.test(k));
  return `{${entries.map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? (named as GraphQLInputType), depth + 1)}`).join(', ')}}`;
}

function unwrapNonNull(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type;
}
