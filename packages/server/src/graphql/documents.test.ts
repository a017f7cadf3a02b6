// Every GraphQL document written in the repository (console, demo, benches, tests) is valid against the
// committed schema, so a change of the API cannot leave a client sending what the server refuses.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, type DefinitionNode, type DocumentNode, Kind, NoUnusedFragmentsRule, parse, specifiedRules, validate } from 'graphql';
import { expect, it } from 'vitest';
import { findDocuments } from './documents.ts';
import { SCHEMA_FILE } from './print-schema.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** What the tests that send invalid documents on purpose are refused with (unknown fields, deep introspection). */
const DELIBERATE = /^Cannot query field "(nope|modelz)" on type "Query"|^Maximum introspection depth exceeded/;

it('every GraphQL document in the repository validates against schema.graphql', () => {
  const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  const found = findDocuments(ROOT).flatMap((d) => {
    try {
      return [{ ...d, doc: parse(d.source) }];
    } catch {
      return []; // a piece of a document built by concatenation, or one the tests send unparsable on purpose
    }
  });
  // The console's operations spread fragments written in other literals of the same file.
  const fragments = new Map<string, Map<string, DefinitionNode>>();
  for (const { file, doc } of found) {
    for (const d of doc.definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(file, (fragments.get(file) ?? new Map()).set(d.name.value, d));
    }
  }
  const rules = specifiedRules.filter((r) => r !== NoUnusedFragmentsRule);
  const problems: string[] = [];
  let operations = 0;
  for (const { file, line, doc } of found) {
    if (doc.definitions.every((d) => d.kind === Kind.FRAGMENT_DEFINITION)) continue;
    operations++;
    const own = new Set(doc.definitions.map((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? d.name.value : '')));
    const others = [...(fragments.get(file)?.entries() ?? [])].filter(([name]) => !own.has(name)).map(([, d]) => d);
    const full: DocumentNode = { kind: Kind.DOCUMENT, definitions: [...doc.definitions, ...others] };
    const errors = validate(schema, full, rules).filter((e) => !DELIBERATE.test(e.message));
    if (errors.length) problems.push(`${file}:${line}: ${errors.map((e) => e.message).join('; ')}`);
  }
  // The console's operations alone are some thirty: finding fewer would mean the search broke.
  expect(operations).toBeGreaterThan(100);
  expect(problems).toEqual([]);
});
