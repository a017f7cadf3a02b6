// Dataset files for fuzzing, shared by the reader properties and the GraphQL fuzzer's uploads: well-formed CSV,
// TSV and JSONL with damage (quotes, BOMs, CR/LF mixes, NULs, bad UTF-8, huge fields, deep JSON, wrong types),
// arbitrary bytes, and the validation settings a client may send with them (tasks, column mappings, label sets).

import fc from 'fast-check';
import { TASKS } from '../../packages/engine/src/models/config.ts';
import { mutatedBytes } from './mutations.ts';

/** Column names that collide with object internals, paths, and the defaults of each task. */
export const columnName = fc.oneof(
  fc.constantFrom('text', 'label', 'score', 'tokens', 'tags', 'context', 'question', 'answers', 'prompt', 'completion'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'answers.text', 'answers.answer_start', 'a[0]', 'a.b[1].c'),
  fc.string({ maxLength: 6 }),
);

export const cellText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '"',
    '""',
    ',',
    '\n',
    '\r\n',
    '\r',
    '\0',
    '\uFEFF',
    ' ',
    '\t',
    '\uD800',
    'O',
    'B-PER I-PER',
    '1',
    '-3',
    '1e309',
    'NaN',
    'constructor',
    '__proto__',
    'toString',
  ),
  fc.integer().map(String),
);

function csvField(value: string, quote: boolean): string {
  return quote || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A CSV file that is well-formed before mutation: a header, records of any width, mixed line breaks. */
const csvFile = fc
  .record({
    header: fc.array(columnName, { minLength: 1, maxLength: 5 }),
    rows: fc.array(fc.array(fc.tuple(cellText, fc.boolean()), { maxLength: 6 }), { maxLength: 16 }),
    breaks: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }),
    bom: fc.boolean(),
  })
  .map(({ header, rows, breaks, bom }) => {
    const lines = [header.map((h) => csvField(h, false)), ...rows.map((r) => r.map(([v, q]) => csvField(v, q)))];
    const text = lines.map((fields, i) => fields.join(',') + (breaks[i % breaks.length] as string)).join('');
    return new Uint8Array(Buffer.from(`${bom ? '\uFEFF' : ''}${text}`));
  });

/** Nested arrays and objects deep enough to hurt a recursive walk. */
const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 60_000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

const jsonCell = fc.oneof(
  cellText,
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(cellText, { maxLength: 4 }),
  fc.constantFrom(null, 1.5, -1, 2 ** 53, 1e308, true, [], {}),
  fc.record({ text: fc.array(cellText, { maxLength: 2 }), answer_start: fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 2 }) }),
);

/** A JSONL file of objects (and some lines that are not objects), well-formed before mutation. */
const jsonlFile = fc
  .record({
    rows: fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.dictionary(columnName, jsonCell, { maxKeys: 5 }).map((o) => JSON.stringify(o)) },
        { weight: 1, arbitrary: deepJson.map((d) => `{"text":"x","label":${d}}`) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
      ),
      { maxLength: 16 },
    ),
    crlf: fc.boolean(),
  })
  .map(({ rows, crlf }) => new Uint8Array(Buffer.from(rows.join(crlf ? '\r\n' : '\n'))));

export const columnMap = fc.option(
  fc.dictionary(
    fc.constantFrom(
      'text',
      'textPair',
      'label',
      'score',
      'tokens',
      'tags',
      'context',
      'question',
      'answerText',
      'answerStart',
      'prompt',
      'completion',
    ),
    columnName,
    { maxKeys: 4 },
  ),
  { nil: undefined },
);

export const labelSet = fc.option(fc.array(fc.oneof(cellText, fc.constantFrom('__proto__', 'constructor', 'O')), { maxLength: 6 }), {
  nil: undefined,
});

export const validation = fc.record({
  task: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TASKS) }, { weight: 1, arbitrary: fc.constantFrom('nope', '', '__proto__') }),
  columns: columnMap,
  labels: labelSet,
  allowUnanswerable: fc.boolean(),
});

export const datasetFile = fc.oneof(
  fc.record({ name: fc.constant('fuzz.csv'), bytes: fc.oneof(mutatedBytes(csvFile), fc.uint8Array({ maxLength: 512 })) }),
  fc.record({
    name: fc.constant('fuzz.tsv'),
    bytes: mutatedBytes(csvFile.map((b) => new Uint8Array(Buffer.from(Buffer.from(b).toString().replaceAll(',', '\t'))))),
  }),
  fc.record({ name: fc.constant('fuzz.jsonl'), bytes: fc.oneof(mutatedBytes(jsonlFile), fc.uint8Array({ maxLength: 512 })) }),
  fc.record({ name: fc.constantFrom('fuzz.txt', 'fuzz', 'fuzz.CSV'), bytes: fc.uint8Array({ maxLength: 64 }) }),
);

/**
 * A classification file that mostly validates (text and label columns, as the defaults name them), so that fuzzed
 * uploads also reach what happens after validation: statistics, label counts, previews, token lengths.
 */
export const classificationFile = fc
  .record({
    rows: fc.array(
      fc.record({
        text: fc.oneof(
          fc.string({ minLength: 1, maxLength: 30 }),
          fc.constantFrom('It is a truth universally acknowledged', 'x'.repeat(3_000)),
        ),
        label: fc.oneof(cellText, fc.integer({ min: -2, max: 3 }), fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf')),
      }),
      { minLength: 1, maxLength: 12 },
    ),
    csv: fc.boolean(),
  })
  .map(({ rows, csv }) => ({
    name: csv ? 'classes.csv' : 'classes.jsonl',
    bytes: new Uint8Array(
      Buffer.from(
        csv
          ? `text,label\n${rows.map((r) => `${csvField(r.text, false)},${csvField(String(r.label), false)}`).join('\n')}\n`
          : rows.map((r) => JSON.stringify(r)).join('\n'),
      ),
    ),
  }));
