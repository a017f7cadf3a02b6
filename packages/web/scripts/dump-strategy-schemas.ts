// Writes src/lib/fixtures/strategy-schemas.json: the JSON Schema of every built-in strategy and of the (IA)^3 plugin, for the form tests.
// Run: node packages/web/scripts/dump-strategy-schemas.ts (from any directory; paths are relative to this file)

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../../adapters/src/index.ts';

const registry = createRegistry();
await registry.load(fileURLToPath(new URL('../../../plugins/ia3/src/index.ts', import.meta.url)));
const schemas: Record<string, unknown> = {};
for (const strategy of registry.list()) schemas[strategy.id] = registry.jsonSchema(strategy.id);
const out = fileURLToPath(new URL('../src/lib/fixtures/strategy-schemas.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(schemas, null, 2)}\n`);
console.log(`wrote ${Object.keys(schemas).join(', ')} to ${out}`);
