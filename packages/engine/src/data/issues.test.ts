// The issue log's bounds: the first ISSUES_PER_KIND of each kind in the order found, exact counts per kind, at most
// MAX_KINDS kinds apart, and a kind taken back to be said once.

import { describe, expect, it } from 'vitest';
import { type DatasetIssue, ISSUES_PER_KIND, IssueLog, MAX_KINDS, messageTemplate, OTHER_KINDS } from './issues.ts';

const empty = (row: number, column: string): DatasetIssue => ({ file: 'a.csv', row, column, message: 'is empty; fill it in' });

describe('IssueLog', () => {
  it('keeps the first 20 issues of each kind in the order found and counts every one', () => {
    const log = new IssueLog();
    for (let row = 2; row < 1002; row++) {
      log.add(empty(row, 'text'));
      if (row % 100 === 0) log.add(empty(row, 'label'));
      log.add({ file: 'a.csv', row, column: 'label', message: `unknown label 'x${row}'; the label set is 'a', 'b'` });
    }
    expect(log.total()).toBe(1000 + 10 + 1000);
    expect(log.errorCount).toBe(2010);
    expect(log.kinds().map((k) => [k.column, k.message, k.count, k.listed])).toEqual([
      ['text', 'is empty; fill it in', 1000, ISSUES_PER_KIND],
      ['label', "unknown label 'x2'; the label set is 'a', 'b'", 1000, ISSUES_PER_KIND],
      ['label', 'is empty; fill it in', 10, 10],
    ]);
    const listed = log.issues();
    expect(listed).toHaveLength(50);
    // In the order found: rows ascending, the first kinds' rows interleaved.
    expect(listed.slice(0, 3).map((i) => [i.row, i.column])).toEqual([
      [2, 'text'],
      [2, 'label'],
      [3, 'text'],
    ]);
    expect(listed.filter((i) => i.column === 'text').at(-1)?.row).toBe(21);
    expect(listed.filter((i) => i.message.startsWith('is empty') && i.column === 'label').map((i) => i.row)).toEqual([
      100, 200, 300, 400, 500, 600, 700, 800, 900, 1000,
    ]);
  });

  it('counts warnings apart from errors', () => {
    const log = new IssueLog();
    log.add({ file: 'a.csv', row: 2, message: 'cut off', level: 'warning' });
    log.add({ file: 'a.csv', row: 3, message: 'cut off', level: 'warning' });
    expect(log.errorCount).toBe(0);
    expect(() => log.throwOnErrors()).not.toThrow();
    log.add(empty(4, 'text'));
    expect(log.total('warning')).toBe(2);
    expect(log.issues('error').map((i) => i.row)).toEqual([4]);
    expect(() => log.throwOnErrors()).toThrow(/1 problem;/);
  });

  it(`keeps ${MAX_KINDS} kinds apart and counts issues of any further kind together`, () => {
    const log = new IssueLog();
    for (let k = 0; k < MAX_KINDS + 30; k++) {
      for (let row = 0; row < 25; row++) log.add({ file: 'a.jsonl', row: row + 1, column: `c${k}`, message: 'is null' });
    }
    const kinds = log.kinds();
    expect(kinds).toHaveLength(MAX_KINDS + 1);
    expect(kinds.at(-1)).toEqual({ file: 'a.jsonl', message: OTHER_KINDS, count: 30 * 25, listed: ISSUES_PER_KIND });
    expect(log.total()).toBe((MAX_KINDS + 30) * 25);
    expect(log.issues()).toHaveLength((MAX_KINDS + 1) * ISSUES_PER_KIND);
  });

  it('takes back a kind, listed and counted, to say it once', () => {
    const log = new IssueLog();
    for (let row = 2; row < 40; row++) {
      log.add({ file: 'a.csv', row, column: 'label', code: 'COLUMN_MISSING', message: `not found (row ${row})` });
      log.add(empty(row, 'text'));
    }
    expect(log.retract({ file: 'a.csv', column: 'label', code: 'COLUMN_MISSING', message: '' })).toBe(38);
    expect(log.total()).toBe(38);
    expect(log.issues().every((i) => i.column === 'text')).toBe(true);
    expect(log.errorCount).toBe(38);
  });
});

describe('messageTemplate', () => {
  it('leaves out quoted values, numbers and bytes, so one mistake on many rows is one kind', () => {
    expect(messageTemplate(`expected text, got a number (3.5)`)).toBe(messageTemplate(`expected text, got a number (12)`));
    expect(messageTemplate(`invalid UTF-8 (byte 0xE9 at byte offset 120)`)).toBe(
      messageTemplate(`invalid UTF-8 (byte 0xFF at byte offset 7)`),
    );
    expect(messageTemplate(`unknown label 'x'`)).toBe(messageTemplate(`unknown label 'a much longer one'`));
    expect(messageTemplate('is empty')).not.toBe(messageTemplate('is null'));
  });
});
