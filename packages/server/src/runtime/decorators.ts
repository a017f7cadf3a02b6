// Lets Node run the server's TypeScript that carries decorators (type-graphql, TypeORM): Node's type
// stripping refuses decorator syntax, so files under packages/server/src that use them are compiled
// with Oxc (the same transform Vitest uses) as they load. See docs/decisions/0005.

import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'rolldown/utils';

const SERVER_SRC = dirname(dirname(fileURLToPath(import.meta.url)));
// A decorator at the start of a line (after indentation): `@Field(`, `@Entity()`, `@Arg('id')`.
const DECORATOR = /^\s*@[A-Z]\w*\(|\(\s*@[A-Z]\w*\(/m;

let registered = false;

/** Installs the load hook once per process; later calls do nothing. */
export function registerDecoratorHook(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
      const file = fileURLToPath(url);
      if (!file.startsWith(SERVER_SRC)) return nextLoad(url, context);
      const source = readFileSync(file, 'utf8');
      if (!DECORATOR.test(source)) return nextLoad(url, context);
      const out = transformSync(file, source, {
        lang: 'ts',
        sourceType: 'module',
        target: 'es2023',
        decorator: { legacy: true, emitDecoratorMetadata: true },
        typescript: { onlyRemoveTypeImports: false },
      });
      if (out.errors.length) throw new Error(`${file}: ${out.errors.map((e) => e.message).join('; ')}`);
      return { format: 'module', source: out.code, shortCircuit: true };
    },
  });
}
