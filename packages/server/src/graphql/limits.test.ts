// The query limits against a small schema with a recursive type and paginated lists: depth, fragment cycles and
// fan-out, aliases, cost with literal and variable page sizes, size and tokens, introspection on and off.

import { buildSchema, GraphQLError, getIntrospectionQuery, parse, specifiedRules, type ValidationRule, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  aliasRule,
  checkDocumentSize,
  costRule,
  DEFAULT_QUERY_LIMITS,
  depthRule,
  introspectionRule,
  limitRules,
  operationCost,
  QueryLimitErrorCode,
} from './limits.ts';

const schema = buildSchema(`
  type Query {
    me: User
    user(id: ID!): User
    models(first: Int, after: String): [Model!]!
    search(text: String, limit: Int = 10): [Model!]!
  }
  type User {
    id: ID!
    name: String
    best: User
    friends(first: Int): [User!]!
  }
  type Model {
    id: ID!
    name: String
    owner: User
    versions(first: Int = 5): [Version!]!
  }
  type Version {
    id: ID!
    n: Int
  }
`);

function errors(query: string, rules: readonly ValidationRule[]): readonly GraphQLError[] {
  return validate(schema, parse(query), rules);
}

/** The messages of the errors, each checked to carry the code. */
function messages(query: string, rules: readonly ValidationRule[], code: string = QueryLimitErrorCode.QUERY_TOO_COMPLEX): string[] {
  return errors(query, rules).map((error) => {
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.extensions.code).toBe(code);
    return error.message;
  });
}

/** `{ me { best { best ... { id } } } }` with `depth` fields on the longest path. */
function nested(depth: number): string {
  return `{ me ${'{ best '.repeat(depth - 2)}{ id }${' }'.repeat(depth - 2)} }`;
}

function costOf(query: string, variables?: Record<string, unknown>): number {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  if (operation?.kind !== 'OperationDefinition') throw new Error('no operation');
  return operationCost(schema, document, operation, variables);
}

const everything = (variables?: Record<string, unknown>) => [
  ...specifiedRules,
  ...limitRules(DEFAULT_QUERY_LIMITS, variables),
  introspectionRule(false),
];

describe('normal queries', () => {
  it('pass every rule with the default limits', () => {
    const query = `
      query Dashboard($n: Int = 20) {
        __typename
        me { id name friends(first: 10) { id name } }
        models(first: $n) { id name owner { ...Person } versions(first: 3) { id n } }
        search(text: "bert") { ... on Model { id } }
      }
      fragment Person on User { id name best { id } }
    `;
    expect(errors(query, everything())).toEqual([]);
    expect(errors(query, everything({ n: 50 }))).toEqual([]);
    expect(checkDocumentSize(query)).toBeUndefined();
  });

  it('exposes the documented defaults', () => {
    expect(DEFAULT_QUERY_LIMITS).toEqual({ maxDepth: 12, maxAliases: 20, maxCost: 100_000, maxTokens: 2_000, maxQueryBytes: 20_000 });
  });
});

describe('depth', () => {
  it('counts nested fields and rejects past the limit', () => {
    expect(messages(nested(12), [depthRule(12)])).toEqual([]);
    expect(messages(nested(13), [depthRule(12)])).toEqual(['query depth 13 exceeds the limit of 12']);
    const [error] = errors(nested(15), limitRules());
    expect(error?.message).toBe('query depth 15 exceeds the limit of 12');
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', value: 15, max: 12 });
  });

  it('counts through fragment spreads and inline fragments', () => {
    const query = `
      { me { ...A } }
      fragment A on User { best { ... on User { best { ...B } } } }
      fragment B on User { best { ... { best { id } } } }
    `;
    // me, best, best, best, best, id
    expect(messages(query, [depthRule(6)])).toEqual([]);
    expect(messages(query, [depthRule(5)])).toEqual(['query depth 6 exceeds the limit of 5']);
  });

  it('measures each operation of a document', () => {
    const query = `query Shallow { me { id } } query Deep ${nested(8)}`;
    expect(messages(query, [depthRule(5)])).toEqual(['query depth 8 exceeds the limit of 5']);
  });
});

describe('fragment attacks', () => {
  it('does not hang on fragment cycles', () => {
    const query = `
      { me { ...A } }
      fragment A on User { best { ...B } }
      fragment B on User { best { ...A } friends { ...A } }
    `;
    const started = performance.now();
    const found = errors(query, everything());
    expect(performance.now() - started).toBeLessThan(1_000);
    // graphql's own rule names the cycle; the limit rules stay quiet on the part they could measure.
    expect(found.some((e) => e.message.includes('Cannot spread fragment "A" within itself'))).toBe(true);
    expect(messages(query, [depthRule(12), aliasRule(20), costRule(5_000)])).toEqual([]);
  });

  it('does not hang on a self-spreading fragment', () => {
    const query = '{ me { ...Loop } } fragment Loop on User { id ...Loop best { ...Loop } }';
    expect(messages(query, limitRules())).toEqual([]);
  });

  it('measures fragment fan-out without expanding it', () => {
    // Each fragment spreads the next twice under different aliases: 2^40 paths if walked naively.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on User { id }` : `fragment F${i} on User { a: best { ...F${i + 1} } b: best { ...F${i + 1} } }`,
    );
    const query = `{ me { ...F0 } } ${fragments.join(' ')}`;
    const started = performance.now();
    const found = messages(query, limitRules());
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(found).toContain(`query depth ${levels + 1} exceeds the limit of 12`);
    expect(found).toContain(`query alias count ${2 * (levels - 1)} exceeds the limit of 20`);
    expect(found.some((m) => /^query cost \d.* exceeds the limit of 100000$/.test(m))).toBe(true);
  });
});

describe('aliases', () => {
  const flood = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `m${i}: models(first: 1) { id }`).join(' ')} }`;

  it('allows up to the limit and rejects one more', () => {
    expect(messages(flood(20), limitRules())).toEqual([]);
    expect(messages(flood(21), limitRules())).toEqual(['query alias count 21 exceeds the limit of 20']);
  });

  it('counts aliases inside fragments once per operation', () => {
    const query = '{ me { ...Names best { ...Names } } } fragment Names on User { a: name b: name c: id }';
    expect(messages(query, [aliasRule(3)])).toEqual([]);
    expect(messages(query, [aliasRule(2)])).toEqual(['query alias count 3 exceeds the limit of 2']);
  });
});

describe('cost', () => {
  it('charges 1 per field and multiplies children by a literal page size', () => {
    expect(costOf('{ me { id name } }')).toBe(3);
    // models: 1 + 50 × (id + versions: 1 + 10 × (id + n))
    const query = '{ models(first: 50) { id versions(first: 10) { id n } } }';
    expect(costOf(query)).toBe(1 + 50 * (1 + (1 + 10 * 2)));
    expect(messages(query, [costRule(1_101)])).toEqual([]);
    expect(messages(query, [costRule(1_000)])).toEqual(['query cost 1101 exceeds the limit of 1000']);
  });

  it('prices a variable page size from the variables, the variable default, the argument default, else 100', () => {
    const query = 'query Page($n: Int) { models(first: $n) { id } }';
    expect(costOf(query, { n: 10 })).toBe(11);
    expect(costOf(query)).toBe(101);
    expect(costOf('query Page($n: Int = 7) { models(first: $n) { id } }')).toBe(8);
    expect(costOf('query Page($n: Int = 7) { models(first: $n) { id } }', { n: 3 })).toBe(4);
    // `search(limit: Int = 10)` and `versions(first: Int = 5)` fall back to the schema's defaults.
    expect(costOf('query Search($k: Int) { search(limit: $k) { id versions { id } } }')).toBe(1 + 10 * (1 + (1 + 5)));
    // `models(first: Int)` has no default: omitted, it is priced at 100 pages.
    expect(costOf('{ models { id } }')).toBe(101);
  });

  it('rejects a variable page size that is over the budget only once the variables are known', () => {
    const query = 'query Page($n: Int) { models(first: $n) { id name owner { id } } }';
    expect(messages(query, limitRules({}, { n: 100 }))).toEqual([]);
    expect(messages(query, limitRules({}, { n: 100_000 }))).toEqual(['query cost 400001 exceeds the limit of 100000']);
    expect(messages(query, [costRule(5_000, { n: 2_000 })])).toEqual(['query cost 8001 exceeds the limit of 5000']);
  });

  it('multiplies nested pages', () => {
    const query = '{ user(id: "1") { friends(first: 100) { friends(first: 1000) { id } } } }';
    expect(costOf(query)).toBe(1 + 1 + 100 * (1 + 1000));
    expect(messages(query, limitRules())).toEqual(['query cost 100102 exceeds the limit of 100000']);
  });
});

describe('checkDocumentSize', () => {
  it('rejects text over maxQueryBytes, counted in UTF-8 bytes', () => {
    const padded = `{ me { id } } # ${'x'.repeat(20_000)}`;
    const error = checkDocumentSize(padded);
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.message).toBe(`query size ${Buffer.byteLength(padded)} bytes exceeds the limit of 20000 bytes`);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxQueryBytes', max: 20_000 });
    // 6 characters, 12 bytes.
    expect(checkDocumentSize('"éééééé"', { maxQueryBytes: 11 })?.message).toBe('query size 14 bytes exceeds the limit of 11 bytes');
  });

  it('rejects a token flood that is small in bytes', () => {
    const flood = `{ me { ${'id '.repeat(3_000)}} }`;
    expect(Buffer.byteLength(flood)).toBeLessThan(20_000);
    const error = checkDocumentSize(flood);
    expect(error?.message).toBe('query token count 3005 exceeds the limit of 2000');
    expect(error?.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(checkDocumentSize(flood, { maxTokens: 3_005 })).toBeUndefined();
  });

  it('does not count comments as tokens and leaves syntax errors to the normal parse', () => {
    expect(checkDocumentSize(`${'# note\n'.repeat(1_000)}{ me { id } }`)).toBeUndefined();
    expect(checkDocumentSize('{ me { id }')).toBeUndefined();
    expect(checkDocumentSize(`{ me { ${'id '.repeat(2_500)}`)?.message).toBe('query token count 2503 exceeds the limit of 2000');
  });
});

describe('introspection', () => {
  const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true });

  it('passes every rule, the limits included, when allowed', () => {
    expect(checkDocumentSize(introspection)).toBeUndefined();
    expect(errors(introspection, [...specifiedRules, ...limitRules(), introspectionRule(true)])).toEqual([]);
  });

  it('rejects __schema and __type when not allowed', () => {
    expect(messages(introspection, [introspectionRule(false)], 'INTROSPECTION_DISABLED')).toEqual([
      'introspection is disabled on this server: the field __schema is not allowed',
    ]);
    expect(messages('{ __type(name: "User") { name } }', [introspectionRule(false)], 'INTROSPECTION_DISABLED')).toEqual([
      'introspection is disabled on this server: the field __type is not allowed',
    ]);
    expect(
      messages(
        '{ me { ...T } } fragment T on User { __schema { queryType { name } } }',
        [introspectionRule(false)],
        'INTROSPECTION_DISABLED',
      ),
    ).toHaveLength(1);
  });

  it('always allows __typename', () => {
    expect(errors('{ __typename me { __typename id } }', everything())).toEqual([]);
  });

  it('still limits nesting inside introspection', () => {
    const fan = `{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } } } }`;
    // A list inside a list at every level: only ofType, which cannot fan out, goes uncounted.
    expect(messages(fan, [depthRule(12)])).toEqual(['query depth 14 exceeds the limit of 12']);
  });
});
