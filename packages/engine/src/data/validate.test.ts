// Row validation: every problem of every row collected with file, row and column; labels resolved; paths into nested JSON.

import { describe, expect, it } from 'vitest';
import { TASKS } from '../models/config.ts';
import { DatasetConfigError, parsePath, resolveColumns, resolvePath } from './columns.ts';
import { parseCsv } from './csv.ts';
import { DatasetError, type DatasetIssue } from './issues.ts';
import { parseJsonl } from './jsonl.ts';
import type { Table } from './table.ts';
import { type ValidateOptions, validateTables } from './validate.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const csv = (text: string, file = 'data.csv'): Table => parseCsv(bytes(text), file);
const jsonl = (rows: unknown[], file = 'data.jsonl'): Table => parseJsonl(bytes(rows.map((r) => JSON.stringify(r)).join('\n')), file);
const brief = (issues: readonly DatasetIssue[]) => issues.map((i) => [i.row, i.column, i.message]);

describe('column paths', () => {
  it('parses dotted paths with array items', () => {
    expect(parsePath('answers.text[0]')).toEqual(['answers', 'text', 0]);
    expect(parsePath('a[1][2].b')).toEqual(['a', 1, 2, 'b']);
    for (const bad of ['a..b', 'a.', '.a', 'a[x]', 'a[0]b', '[0]']) expect(() => parsePath(bad)).toThrow(DatasetConfigError);
  });

  it('resolves paths, preferring a column whose whole name matches', () => {
    const row = { answers: { text: ['x', 'y'] }, 'answers.text': 'flat' };
    expect(resolvePath(row, 'answers.text')).toEqual({ found: true, value: 'flat' });
    expect(resolvePath(row, 'answers.text[1]')).toEqual({ found: true, value: 'y' });
    expect(resolvePath(row, 'answers.text[2]')).toEqual({ found: false, reason: "'answers.text' has 2 items" });
    expect(resolvePath(row, 'answer')).toEqual({ found: false, reason: 'the row has answers, answers.text' });
  });

  it('fills task defaults and refuses roles of another task', () => {
    expect(resolveColumns('question-answering')).toEqual({
      context: 'context',
      question: 'question',
      answerText: 'answers.text',
      answerStart: 'answers.answer_start',
    });
    expect(resolveColumns('causal-lm', { prompt: 'p', completion: 'c' })).toEqual({ prompt: 'p', completion: 'c' });
    expect(() => resolveColumns('sequence-classification', { score: 'x' })).toThrow(/'score' does not apply to sequence-classification/);
    expect(() => resolveColumns('causal-lm', { prompt: 'p' })).toThrow(/needs both columns.prompt and columns.completion/);
  });

  // Found by the fuzz suite (tests/fuzz/data.fuzz.test.ts): the task '__proto__' found Object.prototype (a TypeError).
  it('refuses a task named like an Object member as unknown', () => {
    for (const task of ['__proto__', 'constructor']) {
      expect(() => resolveColumns(task as never)).toThrow(
        new DatasetConfigError(`unknown task '${task}'; expected one of ${TASKS.join(', ')}`),
      );
    }
  });
});

describe('validateTables', () => {
  const classify = (tables: Table[], extra: Partial<ValidateOptions> = {}) =>
    validateTables(tables, { task: 'sequence-classification', ...extra });

  it('reports a column no row has once, saying which columns there are', () => {
    const r = classify([csv('text,category\na,x\nb,y\nc,z\n')]);
    expect(r.records[0]).toEqual([]);
    expect(brief(r.issues)).toEqual([
      [undefined, 'label', "is missing on all 3 rows (the file's columns are text, category); check the file or columns.label"],
    ]);
    const fixed = classify([csv('text,category\na,x\nb,y\nc,z\n')], { columns: { label: 'category' } });
    expect(fixed.issues).toEqual([]);
    expect(fixed.labels).toEqual(['x', 'y', 'z']);
  });

  it('collects every problem of every row, not only the first', () => {
    const r = classify([
      jsonl([{ text: '', label: 'a' }, { text: 3, label: 1.5 }, { label: 'b' }, { text: 'ok', label: null }, { text: 'fine', label: 'a' }]),
    ]);
    expect(brief(r.issues)).toEqual([
      [1, 'text', 'is empty; remove the row or fill in the text'],
      [2, 'text', 'expected text, got a number (3)'],
      [2, 'label', 'expected a label (a string or an integer), got a number (1.5); for numeric targets use the regression task'],
      [3, 'text', 'not found (the row has label); check the file or columns.text'],
      [4, 'label', 'is null; every row needs a value here'],
    ]);
    expect(r.records[0]).toEqual([{ file: 'data.jsonl', row: 5, line: 5, task: 'sequence-classification', text: 'fine', label: 0 }]);
  });

  it('reports unknown labels against a given label set, and reads JSON integers as ids', () => {
    const r = classify(
      [
        jsonl([
          { text: 'a', label: 'pos' },
          { text: 'b', label: 'neutral' },
          { text: 'c', label: 0 },
          { text: 'd', label: 7 },
        ]),
      ],
      {
        labels: ['neg', 'pos'],
      },
    );
    expect(brief(r.issues)).toEqual([
      [2, 'label', "unknown label 'neutral'; the label set is 'neg', 'pos'"],
      [4, 'label', "unknown label '7'; the label set is 'neg', 'pos'"],
    ]);
    expect(r.records[0]?.map((x) => (x.task === 'sequence-classification' ? x.label : -1))).toEqual([1, 0]);
    expect(r.labels).toEqual(['neg', 'pos']);
  });

  // Found by the fuzz suite: a label set naming a label twice (createDataset's `labels`) was a RangeError.
  it('refuses a label set that names a label twice with a DatasetConfigError', () => {
    expect(() => classify([jsonl([{ text: 'a', label: 'x' }])], { labels: ['constructor', 'constructor'] })).toThrow(
      new DatasetConfigError("the label set names 'constructor' twice; each label needs one id"),
    );
  });

  it('collects labels from every file, sorting integers numerically', () => {
    const r = classify([csv('text,label\na,10\nb,2\n'), jsonl([{ text: 'c', label: 1 }])]);
    expect(r.labels).toEqual(['1', '2', '10']);
    expect(r.records.map((list) => list.map((x) => (x.task === 'sequence-classification' ? x.label : -1)))).toEqual([[2, 1], [0]]);
  });

  it('checks regression scores, accepting numeric CSV text', () => {
    const r = validateTables([csv('s1,s2,score\na,b,4.5\nc,d,high\ne,f,\n')], {
      task: 'regression',
      columns: { text: 's1', textPair: 's2' },
    });
    expect(brief(r.issues)).toEqual([
      [3, 'score', 'expected a number, got a string ("high")'],
      [4, 'score', 'expected a number, got a string ("")'],
    ]);
    expect(r.records[0]).toEqual([{ file: 'data.csv', row: 2, line: 2, task: 'regression', text: 'a', textPair: 'b', score: 4.5 }]);
  });

  it('checks words against tags, collecting the tag set with O first', () => {
    const r = validateTables(
      [
        jsonl([
          { tokens: ['Emma', 'Woodhouse', 'smiled'], tags: ['B-PER', 'I-PER', 'O'] },
          { tokens: 'Mr Knightley', tags: 'B-PER I-PER' },
          { tokens: ['Harriet', 'Smith'], tags: ['B-PER'] },
          { tokens: ['Hartfield', ''], tags: ['B-LOC', 'O'] },
        ]),
      ],
      { task: 'token-classification' },
    );
    expect(brief(r.issues)).toEqual([
      [3, 'tags', '2 words but 1 tags; every word needs exactly one tag'],
      [4, 'tokens', 'word 2 is empty; every word must be non-empty text'],
    ]);
    expect(r.labels).toEqual(['O', 'B-PER', 'I-PER']);
    expect(r.records[0]?.map((x) => (x.task === 'token-classification' ? [x.words, x.tags] : []))).toEqual([
      [
        ['Emma', 'Woodhouse', 'smiled'],
        [1, 2, 0],
      ],
      [
        ['Mr', 'Knightley'],
        [1, 2],
      ],
    ]);
  });

  it('reports unknown tags against a given tag set', () => {
    const r = validateTables([jsonl([{ tokens: 'a b', tags: 'B-PER B-ORG' }])], {
      task: 'token-classification',
      labels: ['O', 'B-PER', 'I-PER'],
    });
    expect(brief(r.issues)).toEqual([[1, 'tags', "unknown tag 'B-ORG'; the tag set is 'O', 'B-PER', 'I-PER'"]]);
  });

  describe('question answering', () => {
    const context = 'Pemberley was owned by Mr. Darcy.';
    const qa = (answers: unknown, extra: Record<string, unknown> = {}) => ({ question: 'Who?', context, answers, ...extra });

    it('accepts SQuAD-style nested answers and keeps them all', () => {
      const r = validateTables([jsonl([qa({ text: ['Mr. Darcy', 'Darcy'], answer_start: [23, 27] })])], { task: 'question-answering' });
      expect(r.issues).toEqual([]);
      expect(r.records[0]?.[0]).toMatchObject({
        answers: [
          { text: 'Mr. Darcy', start: 23 },
          { text: 'Darcy', start: 27 },
        ],
      });
    });

    it('reads single answers through [0] paths', () => {
      const r = validateTables([jsonl([qa({ text: ['Darcy', 'x'], answer_start: [27, 0] })])], {
        task: 'question-answering',
        columns: { answerText: 'answers.text[0]', answerStart: 'answers.answer_start[0]' },
      });
      expect(r.issues).toEqual([]);
      expect(r.records[0]?.[0]).toMatchObject({ answers: [{ text: 'Darcy', start: 27 }] });
    });

    it('reports spans outside the context and answers that are not what the context holds there', () => {
      const r = validateTables(
        [
          jsonl([
            qa({ text: ['Darcy'], answer_start: [30] }),
            qa({ text: ['Darcy'], answer_start: [0] }),
            qa({ text: ['Bingley'], answer_start: [0] }),
            qa({ text: ['Darcy'], answer_start: [-1] }),
            qa({ text: ['Darcy', 'Mr'], answer_start: [27] }),
            qa({ text: [], answer_start: [] }),
          ]),
        ],
        { task: 'question-answering' },
      );
      expect(brief(r.issues)).toEqual([
        [
          1,
          'answers.answer_start',
          "the answer span [30, 35) lies outside the context, which has 33 characters; answer_start is the answer's 0-based character offset in the context",
        ],
        [2, 'answers.answer_start', 'the context at 0 holds "Pembe", not the answer "Darcy"; the answer text occurs at 27'],
        [
          3,
          'answers.answer_start',
          'the context at 0 holds "Pemberl", not the answer "Bingley"; the answer text does not occur in the context at all',
        ],
        [4, 'answers.answer_start', 'expected a character offset (an integer, 0 or more), got a number (-1)'],
        [5, 'answers.answer_start', "has 1 answer starts but 'answers.text' has 2 answers; they must pair up"],
        [6, 'answers.text', 'has no answers; give at least one, or set allowUnanswerable for questions without an answer (SQuAD v2)'],
      ]);
      const v2 = validateTables([jsonl([qa({ text: [], answer_start: [] })])], { task: 'question-answering', allowUnanswerable: true });
      expect(v2.issues).toEqual([]);
      expect(v2.records[0]?.[0]).toMatchObject({ answers: [] });
    });

    it("accepts Python's code-point offsets when the context holds astral characters", () => {
      const withEmoji = '😀 Darcy 😀 owns it.';
      // Python counts 😀 as one character: 'owns' starts at 10 there and at 12 in UTF-16.
      const r = validateTables([jsonl([{ question: 'q', context: withEmoji, answers: { text: ['owns'], answer_start: [10] } }])], {
        task: 'question-answering',
      });
      expect(r.issues).toEqual([]);
      expect(r.records[0]?.[0]).toMatchObject({ answers: [{ text: 'owns', start: 12 }] });
    });
  });

  it('joins prompt and completion for causal LM, remembering where the completion starts', () => {
    const r = validateTables(
      [
        jsonl([
          { p: 'Q: hi? A:', c: ' hello' },
          { p: 'Q', c: '' },
        ]),
      ],
      { task: 'causal-lm', columns: { prompt: 'p', completion: 'c' } },
    );
    expect(r.records[0]).toEqual([{ file: 'data.jsonl', row: 1, line: 1, task: 'causal-lm', text: 'Q: hi? A: hello', promptLength: 9 }]);
    expect(brief(r.issues)).toEqual([[2, 'c', 'is empty; remove the row or fill in the text']]);
  });
});

describe('DatasetError', () => {
  it('names the first issues and the counts by kind; report() lists up to 20 of each kind', () => {
    const issues: DatasetIssue[] = Array.from({ length: 25 }, (_, k) => ({
      file: 'big.csv',
      row: k + 2,
      line: k + 2,
      column: 'label',
      message: `bad label '${k}'`,
    }));
    issues.push({ file: 'big.csv', row: 30, line: 31, message: 'moved' });
    const err = new DatasetError(issues);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('the dataset has 26 problems; fix them and load it again:');
    expect(lines[1]).toBe("  big.csv row 2, column 'label': bad label '0'");
    expect(lines.slice(6)).toEqual([
      'by kind (2 kinds):',
      "  25 issues (20 listed) in big.csv, column 'label': bad label '0'",
      '  1 issue in big.csv: moved',
    ]);
    expect(err.issues).toHaveLength(21);
    expect(err.issues.at(-1)?.message).toBe('moved');
    expect(err.kinds.map((k) => [k.count, k.listed])).toEqual([
      [25, 20],
      [1, 1],
    ]);
    const report = err.report().split('\n');
    expect(report).toHaveLength(1 + 21 + 3);
    expect(report[20]).toBe("  big.csv row 21, column 'label': bad label '19'");
    expect(new DatasetError([issues[25] as DatasetIssue]).message).toBe(
      'the dataset has 1 problem; fix them and load it again:\n  big.csv row 30 (line 31): moved',
    );
  });
});
