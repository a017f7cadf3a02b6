// The error mapping on errors graphql itself raises about a request, as they reach it over graphql-ws (bare) and
// over HTTP (Apollo's INTERNAL_SERVER_ERROR for one of them), against errors thrown by resolvers.

import { buildSchema, type ExecutionResult, execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createLogger, setLogger } from '../ops/logger.ts';
import { formatError } from './errors.ts';

/** What formatError logs, instead of the test's output. */
const logged: string[] = [];
setLogger(createLogger({ level: 'info', destination: { write: (line: string) => logged.push(line) } }));

const schema = buildSchema('type Query { nope(ids: [ID!]!): Int }');
const rootValue = {
  nope: () => {
    throw new TypeError('a bug in a resolver');
  },
};

function run(variables: Record<string, unknown>): ExecutionResult {
  return execute({
    schema,
    rootValue,
    document: parse('query($ids: [ID!]!) { nope(ids: $ids) }'),
    variableValues: variables,
  }) as ExecutionResult;
}

const codesOf = (result: ExecutionResult, apolloCode?: string) =>
  (result.errors ?? []).map((e) => {
    const json = e.toJSON();
    const formatted = apolloCode ? { ...json, extensions: { ...json.extensions, code: apolloCode } } : json;
    return formatError(formatted, e).extensions?.code;
  });

// Found by the fuzz suite (tests/fuzz/graphql.fuzz.e2e.test.ts): `cancelRun(id: $v)` with $v = -0.5 over WebSocket,
// and `predict(inputs: $v)` with 60 bad items over HTTP, answered INTERNAL_SERVER_ERROR.
describe('formatError on request errors', () => {
  it('codes a variable that does not coerce BAD_USER_INPUT when it arrives without a code (graphql-ws)', () => {
    const result = run({ ids: [-0.5] });
    expect(result.errors?.[0]?.message).toMatch(/ID cannot represent value: -0.5/);
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
  });

  it("codes graphql's 'Too many errors processing variables' BAD_USER_INPUT, also when Apollo called it internal", () => {
    const result = run({ ids: Array.from({ length: 60 }, () => 0.5) });
    expect(result.errors?.at(-1)?.message).toBe('Too many errors processing variables, error limit reached. Execution aborted.');
    expect(new Set(codesOf(result, 'INTERNAL_SERVER_ERROR'))).toEqual(new Set(['BAD_USER_INPUT']));
  });

  it('still masks what a resolver throws unexpectedly as INTERNAL_SERVER_ERROR', () => {
    const result = run({ ids: ['a'] });
    const [formatted] = (result.errors ?? []).map((e) => formatError(e.toJSON(), e));
    expect(formatted).toMatchObject({
      message: 'internal error; the server log has the details',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});
