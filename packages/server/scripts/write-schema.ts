// `pnpm schema`: writes packages/server/schema.graphql from the resolvers.

import { writeFileSync } from 'node:fs';
import { registerDecoratorHook } from '../src/runtime/decorators.ts';

registerDecoratorHook();
const { SCHEMA_FILE, schemaSdl } = await import('../src/graphql/print-schema.ts');
writeFileSync(SCHEMA_FILE, await schemaSdl());
process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
