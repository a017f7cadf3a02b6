// The committed schema.graphql must match what the resolvers build: run `pnpm schema` after changing them.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SCHEMA_FILE, schemaSdl } from './print-schema.ts';

it('schema.graphql is up to date (pnpm schema regenerates it)', async () => {
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await schemaSdl());
});
