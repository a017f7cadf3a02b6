// The schema as SDL, as committed in packages/server/schema.graphql (`pnpm schema` rewrites it).

import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { tuneqlSchema } from './schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

export async function schemaSdl(): Promise<string> {
  const header = '# Generated from the resolvers by `pnpm schema`; a test fails when this file and the code differ.\n\n';
  return `${header}${printSchema(await tuneqlSchema())}\n`;
}
