// Every GraphQL document the repository's own clients send (the console's operations, the demo, benches,
// test suites), found as string literals in their source, so that a test can check each against the schema.

import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseSource } from '@babel/parser';

/** One document as written in a file. */
export interface FoundDocument {
  file: string;
  line: number;
  source: string;
}

/** Where clients of the API live, relative to the repository root. */
const CLIENT_FOLDERS = ['packages', 'tests', 'plugins', 'scripts'];
const SKIPPED_FOLDERS = new Set(['node_modules', '.next', 'out', 'dist', 'gql']);
/** Files whose documents are written against schemas of their own (the query limits' tests). */
const OTHER_SCHEMAS = new Set(['packages/server/src/graphql/limits.test.ts', 'packages/server/src/graphql/limits.ts']);

/** An operation keyword, a fragment, or a selection set's brace and a field name (`{ models { id } }`). */
const DOCUMENT_START =
  /^\s*(?:(?:query|mutation|subscription)\b[\s\w$]*[({]|fragment\s+\w+\s+on\s|\{\s*[_A-Za-z]\w*\s*[({:]|\{\s*[_A-Za-z]\w*\s+[_A-Za-z{}])/;

/** A quick look for an operation keyword or a quoted brace before parsing a file. */
const MAYBE_DOCUMENTS = /\b(?:query|mutation|subscription|fragment)\b|['"`]\s*\{\s*[_A-Za-z]/;

function* sourceFiles(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (SKIPPED_FOLDERS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

interface AstNode {
  type: string;
  value?: unknown;
  expressions?: unknown[];
  quasis?: { value: { cooked?: string | null } }[];
  loc?: { start: { line: number } };
}

/** Each string literal (and template literal without `${}`) in a parsed file, with its line. */
function* literals(node: unknown): Generator<{ text: string; line: number }> {
  if (Array.isArray(node)) {
    for (const child of node) yield* literals(child);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as AstNode;
  const line = n.loc?.start.line ?? 0;
  if (n.type === 'StringLiteral' && typeof n.value === 'string') yield { text: n.value, line };
  else if (n.type === 'TemplateLiteral' && n.expressions?.length === 0) yield { text: n.quasis?.[0]?.value.cooked ?? '', line };
  for (const [key, value] of Object.entries(n)) if (key !== 'loc' && value && typeof value === 'object') yield* literals(value);
}

/** The GraphQL documents written as literals in the source files of the repository at `root`. */
export function findDocuments(root: string): FoundDocument[] {
  const found: FoundDocument[] = [];
  for (const folder of CLIENT_FOLDERS) {
    for (const path of sourceFiles(join(root, folder))) {
      const file = relative(root, path);
      if (OTHER_SCHEMAS.has(file)) continue;
      const text = readFileSync(path, 'utf8');
      if (!MAYBE_DOCUMENTS.test(text)) continue; // most files hold none: skip parsing them
      const ast = parseSource(text, {
        sourceType: 'module',
        plugins: ['typescript', 'jsx', 'decorators'],
        errorRecovery: true,
      });
      for (const { text, line } of literals(ast.program)) if (DOCUMENT_START.test(text)) found.push({ file, line, source: text });
    }
  }
  return found;
}
