// Checks every row against its task's column mapping and turns it into a typed record, collecting every problem found.

import { CHAT_ROLES, type ChatMessage } from '../chat/template.ts';
import type { Task } from '../models/config.ts';
import { type ColumnMap, type ColumnRole, DatasetConfigError, describeValue, resolveColumns, resolvePath } from './columns.ts';
import { type DatasetIssue, IssueLog } from './issues.ts';
import type { SourceRow, Table } from './table.ts';

/** Where a record came from. */
export interface RecordSource {
  file: string;
  row: number;
  line: number;
}

/** One acceptable answer; `start` is in UTF-16 code units of the context. */
export interface Answer {
  text: string;
  start: number;
}

export type DatasetRecord = RecordSource &
  (
    | { task: 'sequence-classification'; text: string; textPair?: string; label: number }
    | { task: 'regression'; text: string; textPair?: string; score: number }
    | { task: 'token-classification'; words: string[]; tags: number[] }
    /** The first answer is the training target; all of them are gold answers for evaluation. Empty: unanswerable. */
    | { task: 'question-answering'; question: string; context: string; answers: Answer[] }
    /** With a prompt, `text` is prompt + completion as they are (no separator) and the first `promptLength` characters carry no loss. */
    | { task: 'causal-lm'; text: string; promptLength?: number }
    /**
     * A conversation, rendered with the model's chat template when tokenized; `text` is its turns' contents, one a
     * line (what the character-length summary measures).
     */
    | { task: 'causal-lm'; text: string; messages: ChatMessage[] }
    | { task: 'masked-lm'; text: string }
  );

export type RecordOf<T extends Task> = Extract<DatasetRecord, { task: T }>;

export interface ValidateOptions {
  task: Task;
  columns?: ColumnMap;
  /**
   * Label names in id order (classification) or the tag set (token classification). When given, a value not in it
   * is an error, except that a JSON integer not among the names is read as an id. When absent, the set is collected
   * from all files and sorted (numerically when every label is an integer; tags with 'O' first).
   */
  labels?: readonly string[];
  /** Question answering: accept rows with empty answer arrays (SQuAD v2's unanswerable questions). @default false */
  allowUnanswerable?: boolean;
}

export interface ValidatedData {
  /** One list per table, in the tables' order; rows with problems are left out. */
  records: DatasetRecord[][];
  /** id2label, for classification and token classification. */
  labels?: string[];
  /** Up to ISSUES_PER_KIND of each kind (see IssueLog). */
  issues: DatasetIssue[];
}

/** A label as read: its name, and the integer when the file held a JSON integer (which may be an id). */
interface RawLabel {
  key: string;
  integer?: number;
}

type Pending =
  | { kind: 'record'; record: DatasetRecord }
  | { kind: 'label'; source: RecordSource; column: string; text: string; textPair?: string; label: RawLabel }
  | { kind: 'tags'; source: RecordSource; column: string; words: string[]; tags: RawLabel[] };

/** A column's code when rows lack it: counted per file, and said once when no row has it. */
export const COLUMN_MISSING = 'COLUMN_MISSING';

/**
 * Validates every row of every table (see RecordValidator); the issues come back capped per kind as IssueLog keeps
 * them.
 */
export function validateTables(tables: readonly Table[], options: ValidateOptions): ValidatedData {
  const log = new IssueLog();
  const validator = new RecordValidator(options, log);
  for (const table of tables) {
    const add = validator.table(table.file);
    for (const row of table.rows) add(row);
    validator.endTable(table.columns);
  }
  const { records, labels } = validator.finish();
  return labels === undefined ? { records, issues: log.issues() } : { records, labels, issues: log.issues() };
}

/**
 * Checks rows as a reader hands them over, table by table, into typed records; problems go to the IssueLog. Labels
 * are resolved in finish(), after all rows, so a collected label set covers every file and an unknown label is
 * reported for each row that has one. A column no row of a file has is one issue, not one per row.
 */
export class RecordValidator {
  private readonly options: ValidateOptions;
  private readonly columns: ColumnMap;
  private readonly log: IssueLog;
  private readonly pending: Pending[][] = [];
  private file = '';
  private rows = 0;
  /** Rows of the current file that lack each column. */
  private missing = new Map<string, number>();

  constructor(options: ValidateOptions, log: IssueLog) {
    this.options = options;
    this.columns = resolveColumns(options.task, options.columns);
    this.log = log;
  }

  /** Starts the next table; the function returned checks one of its rows. */
  table(file: string): (row: SourceRow) => void {
    const out: Pending[] = [];
    this.pending.push(out);
    this.file = file;
    this.rows = 0;
    this.missing = new Map();
    const issues = {
      push: (issue: DatasetIssue): void => {
        if (issue.code === COLUMN_MISSING && issue.column !== undefined)
          this.missing.set(issue.column, (this.missing.get(issue.column) ?? 0) + 1);
        this.log.add(issue);
      },
    };
    const allowUnanswerable = this.options.allowUnanswerable ?? false;
    return (row) => {
      this.rows++;
      const p = readRow(this.options.task, this.columns, file, row, issues, allowUnanswerable);
      if (p) out.push(p);
    };
  }

  /** Ends the current table: a column missing on every one of its rows (more than one) becomes a single issue. */
  endTable(columns: readonly string[]): void {
    for (const [column, count] of this.missing) {
      if (count !== this.rows || count < 2) continue;
      const like: DatasetIssue = { file: this.file, column, code: COLUMN_MISSING, message: '' };
      this.log.retract(like);
      const role = (Object.keys(this.columns) as ColumnRole[]).find((r) => this.columns[r] === column) ?? 'text';
      const has = columns.length
        ? `the file's columns are ${columns.slice(0, 12).join(', ')}${columns.length > 12 ? ', ...' : ''}`
        : 'the file has no columns';
      this.log.add({
        ...like,
        message: `is missing on all ${count.toLocaleString('en-US')} rows (${has}); check the file or columns.${role}`,
      });
    }
  }

  /** Resolves labels and returns the records, one list per table in order; rows with problems are left out. */
  finish(): { records: DatasetRecord[][]; labels?: string[] } {
    const { task } = this.options;
    const pending = this.pending;
    const issues = this.log;
    const labelled = task === 'sequence-classification' || task === 'token-classification';
    let labels: string[] | undefined;
    if (labelled) {
      if (this.options.labels) {
        labels = [...this.options.labels];
        const seen = new Set<string>();
        for (const l of labels) {
          if (seen.has(l)) throw new DatasetConfigError(`the label set names '${l}' twice; each label needs one id`);
          seen.add(l);
        }
      } else {
        const keys = new Set<string>();
        for (const list of pending)
          for (const p of list) {
            if (p.kind === 'label') keys.add(p.label.key);
            if (p.kind === 'tags') for (const t of p.tags) keys.add(t.key);
          }
        labels = sortLabels([...keys], task === 'token-classification');
      }
    }
    const ids = new Map((labels ?? []).map((l, i) => [l, i]));
    const idOf = (raw: RawLabel): number | undefined => {
      const byName = ids.get(raw.key);
      if (byName !== undefined) return byName;
      if (raw.integer !== undefined && raw.integer >= 0 && raw.integer < ids.size) return raw.integer;
      return undefined;
    };
    const expected = (): string => {
      const names = labels ?? [];
      const shown = names.slice(0, 12).map((n) => `'${n}'`);
      return `${shown.join(', ')}${names.length > 12 ? `, ... (${names.length} in all)` : ''}`;
    };

    const records = pending.map((list) => {
      const out: DatasetRecord[] = [];
      for (const p of list) {
        if (p.kind === 'record') out.push(p.record);
        else if (p.kind === 'label') {
          const id = idOf(p.label);
          if (id === undefined) {
            issues.add({ ...where(p.source), column: p.column, message: `unknown label '${p.label.key}'; the label set is ${expected()}` });
            continue;
          }
          const r: DatasetRecord = { ...p.source, task: 'sequence-classification', text: p.text, label: id };
          if (p.textPair !== undefined) r.textPair = p.textPair;
          out.push(r);
        } else {
          const tagIds: number[] = [];
          const unknown: string[] = [];
          for (const t of p.tags) {
            const id = idOf(t);
            if (id === undefined) unknown.push(t.key);
            else tagIds.push(id);
          }
          if (unknown.length > 0) {
            const names = [...new Set(unknown)].map((u) => `'${u}'`).join(', ');
            issues.add({
              ...where(p.source),
              column: p.column,
              message: `unknown tag${unknown.length > 1 ? 's' : ''} ${names}; the tag set is ${expected()}`,
            });
            continue;
          }
          out.push({ ...p.source, task: 'token-classification', words: p.words, tags: tagIds });
        }
      }
      return out;
    });
    this.pending.length = 0;
    return labels === undefined ? { records } : { records, labels };
  }
}

function where(s: RecordSource): { file: string; row: number; line: number } {
  return { file: s.file, row: s.row, line: s.line };
}

/** Integers in numeric order, anything else in code-unit order (not locale order, which differs between machines). */
export function sortLabels(keys: string[], outsideFirst = false): string[] {
  const integers = keys.length > 0 && keys.every((k) => /^-?\d+$/.test(k));
  const sorted = integers ? keys.sort((a, b) => Number(a) - Number(b)) : keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (outsideFirst && sorted.includes('O')) return ['O', ...sorted.filter((k) => k !== 'O')];
  return sorted;
}

function readRow(
  task: Task,
  columns: ColumnMap,
  file: string,
  row: SourceRow,
  issues: { push(issue: DatasetIssue): void },
  allowUnanswerable: boolean,
): Pending | undefined {
  const source: RecordSource = { file, row: row.row, line: row.line };
  let ok = true;
  const issue = (column: string, message: string): void => {
    ok = false;
    issues.push({ ...source, column, message });
  };
  const path = (role: ColumnRole): string => columns[role] as string;

  const value = (role: ColumnRole): unknown => {
    const r = resolvePath(row.data, path(role));
    if (!r.found) {
      ok = false;
      issues.push({
        ...source,
        column: path(role),
        code: COLUMN_MISSING,
        message: `not found (${r.reason}); check the file or columns.${role}`,
      });
      return undefined;
    }
    if (r.value === null) {
      issue(path(role), `is null; every row needs a value here`);
      return undefined;
    }
    return r.value;
  };

  const text = (role: ColumnRole): string | undefined => {
    const v = value(role);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      issue(path(role), `expected text, got ${describeValue(v)}`);
      return undefined;
    }
    if (v.trim() === '') {
      issue(path(role), 'is empty; remove the row or fill in the text');
      return undefined;
    }
    return v;
  };

  const optionalText = (role: ColumnRole): string | undefined => (columns[role] === undefined ? undefined : text(role));

  const label = (role: ColumnRole, v: unknown, at: string): RawLabel | undefined => {
    if (typeof v === 'string') {
      if (v.trim() === '') {
        issue(path(role), `${at}is empty; every row needs a label`);
        return undefined;
      }
      return { key: v };
    }
    if (typeof v === 'number' && Number.isInteger(v)) return { key: String(v), integer: v };
    issue(
      path(role),
      `${at}expected a label (a string or an integer), got ${describeValue(v)}${typeof v === 'number' ? '; for numeric targets use the regression task' : ''}`,
    );
    return undefined;
  };

  switch (task) {
    case 'sequence-classification':
    case 'regression': {
      const t = text('text');
      const pair = optionalText('textPair');
      if (task === 'regression') {
        const v = value('score');
        const score = v === undefined ? undefined : toNumber(v);
        if (v !== undefined && score === undefined) issue(path('score'), `expected a number, got ${describeValue(v)}`);
        if (!ok || t === undefined || score === undefined) return undefined;
        const r: DatasetRecord = { ...source, task, text: t, score };
        if (pair !== undefined) r.textPair = pair;
        return { kind: 'record', record: r };
      }
      const v = value('label');
      const l = v === undefined ? undefined : label('label', v, '');
      if (!ok || t === undefined || l === undefined) return undefined;
      const p: Pending = { kind: 'label', source, column: path('label'), text: t, label: l };
      if (pair !== undefined) p.textPair = pair;
      return p;
    }
    case 'token-classification': {
      const words = wordList(value('tokens'), path('tokens'), 'word', issue);
      const rawTags = value('tags');
      let tags: RawLabel[] | undefined;
      if (rawTags !== undefined) {
        const list = typeof rawTags === 'string' ? splitWords(rawTags) : rawTags;
        if (!Array.isArray(list))
          issue(path('tags'), `expected an array of tags or a whitespace-separated string, got ${describeValue(rawTags)}`);
        else {
          const read = list.map((t, k) => label('tags', t, `tag ${k + 1} `));
          if (read.every((t) => t !== undefined)) tags = read;
        }
      }
      if (words !== undefined && tags !== undefined && words.length !== tags.length) {
        issue(path('tags'), `${words.length} words but ${tags.length} tags; every word needs exactly one tag`);
      }
      if (!ok || words === undefined || tags === undefined) return undefined;
      return { kind: 'tags', source, column: path('tags'), words, tags };
    }
    case 'question-answering': {
      const question = text('question');
      const context = text('context');
      const answers = readAnswers(
        value('answerText'),
        value('answerStart'),
        context,
        path('answerText'),
        path('answerStart'),
        allowUnanswerable,
        issue,
      );
      if (!ok || question === undefined || context === undefined || answers === undefined) return undefined;
      return { kind: 'record', record: { ...source, task, question, context, answers } };
    }
    case 'causal-lm': {
      const conversation = (): Pending | undefined => {
        const messages = readMessages(value('messages'), path('messages'), issue);
        if (!ok || messages === undefined) return undefined;
        return { kind: 'record', record: { ...source, task, text: messages.map((m) => m.content).join('\n'), messages } };
      };
      if (columns.messages !== undefined && columns.text === undefined) return conversation();
      // Beside plain texts: a row without the text column that has a conversation is one.
      if (columns.messages !== undefined && columns.text !== undefined) {
        const hasText = resolvePath(row.data, path('text')).found;
        if (!hasText && resolvePath(row.data, path('messages')).found) return conversation();
      }
      if (columns.prompt !== undefined) {
        const prompt = text('prompt');
        const completion = text('completion');
        if (!ok || prompt === undefined || completion === undefined) return undefined;
        return { kind: 'record', record: { ...source, task, text: prompt + completion, promptLength: prompt.length } };
      }
      const t = text('text');
      return ok && t !== undefined ? { kind: 'record', record: { ...source, task, text: t } } : undefined;
    }
    case 'masked-lm': {
      const t = text('text');
      return ok && t !== undefined ? { kind: 'record', record: { ...source, task, text: t } } : undefined;
    }
  }
}

/**
 * A conversation's messages, each checked: an array of { role, content } objects with a known role and non-empty
 * text, and at least one assistant turn (the only turns the loss covers). Problems name the message by its index
 * (`messages[2]`). A CSV cell may hold the array as JSON.
 */
function readMessages(v: unknown, column: string, issue: (column: string, message: string) => void): ChatMessage[] | undefined {
  if (v === undefined) return undefined;
  let list = v;
  if (typeof v === 'string' && v.trimStart().startsWith('[')) {
    try {
      list = JSON.parse(v);
    } catch {
      issue(column, 'holds text that is not a JSON array of messages; write [{"role": "user", "content": "..."}, ...]');
      return undefined;
    }
  }
  if (!Array.isArray(list)) {
    issue(column, `expected an array of messages ({ role, content }), got ${describeValue(list)}`);
    return undefined;
  }
  if (list.length === 0) {
    issue(column, 'has no messages; a conversation needs at least one user and one assistant message');
    return undefined;
  }
  const messages: ChatMessage[] = [];
  let ok = true;
  list.forEach((m: unknown, k) => {
    const at = `${column}[${k}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      issue(column, `${at}: expected a message object { role, content }, got ${describeValue(m)}`);
      ok = false;
      return;
    }
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string') {
      issue(column, `${at}: ${role === undefined ? 'has no role' : `role is ${describeValue(role)}`}; roles are ${CHAT_ROLES.join(', ')}`);
      ok = false;
    } else if (!(CHAT_ROLES as readonly string[]).includes(role)) {
      issue(column, `${at}: unknown role '${role}'; roles are ${CHAT_ROLES.join(', ')}`);
      ok = false;
    }
    if (typeof content !== 'string') {
      issue(column, `${at}: ${content === undefined ? 'has no content' : `content is ${describeValue(content)}, not text`}`);
      ok = false;
    } else if (content.trim() === '') {
      issue(column, `${at}: the ${typeof role === 'string' ? `${role} ` : ''}turn is empty; every message needs text`);
      ok = false;
    }
    if (ok) messages.push({ role: role as string, content: content as string });
  });
  if (!ok) return undefined;
  if (!messages.some((m) => m.role === 'assistant')) {
    issue(column, `has no assistant message, so there is nothing to learn (the loss covers assistant turns only); add the reply`);
    return undefined;
  }
  return messages;
}

function splitWords(s: string): string[] {
  const trimmed = s.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

function wordList(v: unknown, column: string, what: string, issue: (column: string, message: string) => void): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? splitWords(v) : v;
  if (!Array.isArray(list)) {
    issue(column, `expected an array of ${what}s or a whitespace-separated string, got ${describeValue(v)}`);
    return undefined;
  }
  if (list.length === 0) {
    issue(column, `is empty; every row needs at least one ${what}`);
    return undefined;
  }
  const bad = list.findIndex((w) => typeof w !== 'string' || w.trim() === '');
  if (bad >= 0) {
    const w = list[bad];
    issue(column, `${what} ${bad + 1} is ${typeof w === 'string' ? 'empty' : describeValue(w)}; every ${what} must be non-empty text`);
    return undefined;
  }
  return list as string[];
}

/** A finite number from a JSON number or a numeric CSV string. */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** UTF-16 index of the code point at `cp` (Python's str indices count code points). */
function codePointToUtf16(s: string, cp: number): number | undefined {
  let i = 0;
  for (let k = 0; k < cp; k++) {
    if (i >= s.length) return undefined;
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return i;
}

function readAnswers(
  textValue: unknown,
  startValue: unknown,
  context: string | undefined,
  textColumn: string,
  startColumn: string,
  allowUnanswerable: boolean,
  issue: (column: string, message: string) => void,
): Answer[] | undefined {
  if (textValue === undefined || startValue === undefined) return undefined;
  if (Array.isArray(textValue) !== Array.isArray(startValue)) {
    issue(
      startColumn,
      `is ${describeValue(startValue)} but '${textColumn}' is ${describeValue(textValue)}; give both as arrays or both as single values`,
    );
    return undefined;
  }
  const texts: unknown[] = Array.isArray(textValue) ? textValue : [textValue];
  const starts: unknown[] = Array.isArray(startValue) ? startValue : [startValue];
  if (texts.length !== starts.length) {
    issue(startColumn, `has ${starts.length} answer starts but '${textColumn}' has ${texts.length} answers; they must pair up`);
    return undefined;
  }
  if (texts.length === 0) {
    if (allowUnanswerable) return [];
    issue(textColumn, 'has no answers; give at least one, or set allowUnanswerable for questions without an answer (SQuAD v2)');
    return undefined;
  }
  const answers: Answer[] = [];
  let ok = true;
  texts.forEach((t, k) => {
    const nth = texts.length > 1 ? `answer ${k + 1}: ` : '';
    const s = starts[k];
    if (typeof t !== 'string' || t === '') {
      issue(textColumn, `${nth}expected the answer text, got ${typeof t === 'string' ? 'an empty string' : describeValue(t)}`);
      ok = false;
      return;
    }
    const start = toNumber(s);
    if (start === undefined || !Number.isInteger(start) || start < 0) {
      issue(startColumn, `${nth}expected a character offset (an integer, 0 or more), got ${describeValue(s)}`);
      ok = false;
      return;
    }
    if (context === undefined) return;
    if (context.slice(start, start + t.length) === t) {
      answers.push({ text: t, start });
      return;
    }
    // Datasets written from Python count code points; astral characters (emoji) take two UTF-16 units here.
    const converted = codePointToUtf16(context, start);
    if (converted !== undefined && context.slice(converted, converted + t.length) === t) {
      answers.push({ text: t, start: converted });
      return;
    }
    ok = false;
    if (start + t.length > context.length) {
      issue(
        startColumn,
        `${nth}the answer span [${start}, ${start + t.length}) lies outside the context, which has ${context.length} characters; answer_start is the answer's 0-based character offset in the context`,
      );
    } else {
      const found = context.indexOf(t);
      const hint = found >= 0 ? `; the answer text occurs at ${found}` : '; the answer text does not occur in the context at all';
      issue(
        startColumn,
        `${nth}the context at ${start} holds ${JSON.stringify(context.slice(start, start + t.length))}, not the answer ${JSON.stringify(t)}${hint}`,
      );
    }
  });
  return ok && context !== undefined ? answers : undefined;
}
