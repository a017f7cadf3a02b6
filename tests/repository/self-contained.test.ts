// A clone must stand alone: no test names a file outside the repository, and no test is skipped
// because of what one machine happens to have.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SEARCHED = ['packages', 'plugins', 'tests', 'scripts'];
/** Top-level folders of a machine that a test has no business reading (where other checkouts and shared data live). */
const FOREIGN_ROOTS = /^\/(work|home|root|mnt|srv|opt|shared)(\/|$)/;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'out') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|tsx|mts)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Files that tests run: test files, and the suites' own helpers in tests/. */
const testCode = SEARCHED.flatMap((d) => sourceFiles(join(ROOT, d))).filter(
  (f) => /\.test\.tsx?$/.test(f) || relative(ROOT, f).startsWith('tests/'),
);

/** String literals of a TypeScript file (quotes and template literals without substitutions). */
function literals(source: string): string[] {
  return [...source.matchAll(/'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`$\\]*)`/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The paths a file's literals name outside the repository: relative ones climbing out of it, absolute ones under a foreign root. */
function pathsOutside(file: string, source: string): string[] {
  const found: string[] = [];
  for (const lit of literals(source)) {
    if (FOREIGN_ROOTS.test(lit)) found.push(lit);
    else if (/^(\.\.\/)+/.test(lit)) {
      const target = resolve(dirname(file), lit);
      if (relative(ROOT, target).startsWith('..')) found.push(lit);
    }
  }
  return found;
}

describe('the repository stands alone', () => {
  it('finds the test files it checks', () => {
    expect(testCode.length).toBeGreaterThan(40);
    expect(testCode).toContain(join(ROOT, 'tests/server/harness.ts'));
  });

  it('no test names a path outside the repository', () => {
    const offenders = testCode.flatMap((f) => pathsOutside(f, readFileSync(f, 'utf8')).map((p) => `${relative(ROOT, f)}: ${p}`));
    expect(offenders).toEqual([]);
  });

  it('recognises the paths it must refuse', () => {
    const here = join(ROOT, 'packages/engine/src/data/x.test.ts');
    const foreign = ['', 'work', 'shared', 'data', 'austen-paragraphs.jsonl'].join('/'); // not a literal of this file
    expect(pathsOutside(here, `readFileSync('${foreign}')`)).toEqual([foreign]);
    expect(pathsOutside(here, `join(import.meta.dirname, '${'../'.repeat(5)}shared/x.jsonl')`)).toHaveLength(1);
    expect(pathsOutside(here, "join(import.meta.dirname, '../../../../data/austen-paragraphs.jsonl')")).toEqual([]);
    expect(pathsOutside(here, "fetch('/graphql'); spawn('/usr/bin/chromium')")).toEqual([]);
  });

  it('no test is skipped because of the machine it runs on', () => {
    const conditional = testCode.filter((f) => /\b(it|test|describe)\.(skipIf|runIf)\(/.test(readFileSync(f, 'utf8')));
    expect(conditional.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
