// Dataset problems that name the file, row and column, collected across a whole dataset so one load reports them
// all, but kept to a bounded list: the first few of each kind, and a count of the rest.

/** One problem with one row (or with a whole file when `row` is absent). */
export interface DatasetIssue {
  /** The file's path or upload name. */
  file: string;
  /** 1-based: the JSONL line, or the CSV record counting the header as row 1 (as a spreadsheet numbers them). */
  row?: number;
  /** CSV only, when it differs from `row`: the line the record starts on (quoted fields may hold newlines). */
  line?: number;
  /** The column (or dotted path) the problem is in, as the column mapping names it. */
  column?: string;
  message: string;
  /** Errors stop a load; warnings (answers cut off by truncation, say) are returned with the dataset. @default 'error' */
  level?: 'error' | 'warning';
  /** Groups issues whose messages differ in detail (COLUMN_MISSING: a column a row lacks); absent, the message's wording groups them. */
  code?: string;
}

/** How many issues of one kind (one file, column and message wording) are kept; the rest are counted. */
export const ISSUES_PER_KIND = 20;

/** Distinct kinds kept apart; issues of further kinds are counted together under OTHER_KINDS. */
export const MAX_KINDS = 50;

/** How many issues a DatasetError's message spells out; `.issues` has up to ISSUES_PER_KIND of each kind. */
export const ISSUES_IN_MESSAGE = 5;

/** The kind that counts issues past MAX_KINDS kinds. */
export const OTHER_KINDS = 'other kinds of problem';

/** How many issues of one kind were found, and how many of them are in the list. */
export interface IssueKind {
  file: string;
  column?: string;
  /** The first issue's message (later ones differ only in the values they quote). */
  message: string;
  count: number;
  /** How many of them the issue list holds (at most ISSUES_PER_KIND). */
  listed: number;
}

export function formatIssue(issue: DatasetIssue): string {
  let where = issue.file;
  if (issue.row !== undefined) where += ` row ${issue.row}`;
  if (issue.line !== undefined && issue.line !== issue.row) where += ` (line ${issue.line})`;
  if (issue.column !== undefined) where += `, column '${issue.column}'`;
  return `${where}: ${issue.message}`;
}

/** The wording of a message without the values it quotes (names, numbers, bytes), so one mistake on many rows is one kind. */
export function messageTemplate(message: string): string {
  return message.replace(/'[^']*'|"(?:[^"\\]|\\.)*"|0x[0-9A-F]+|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, '_');
}

function levelOf(issue: DatasetIssue): 'error' | 'warning' {
  return issue.level ?? 'error';
}

function kindKey(issue: DatasetIssue): string {
  return JSON.stringify([levelOf(issue), issue.file, issue.column ?? null, issue.code ?? messageTemplate(issue.message)]);
}

/**
 * Issues as they are found, kept bounded: at most ISSUES_PER_KIND of each kind in the order found, a count per
 * kind, and MAX_KINDS kinds apart. An 18 MB file of empty rows is two kinds, not nine million issues.
 */
export class IssueLog {
  private readonly kept: { key: string; issue: DatasetIssue }[] = [];
  private readonly byKind = new Map<string, IssueKind & { level: 'error' | 'warning' }>();
  private errorTotal = 0;
  /**
   * Kind keys by the issue's level, wording, column and file, nested so that a lookup hashes only strings the issue
   * already holds (a message used on a million rows is one string): building one key string per issue cost more
   * than checking the row.
   */
  private readonly keys = {
    error: new Map<string, Map<string, Map<string, string>>>(),
    warning: new Map<string, Map<string, Map<string, string>>>(),
  };
  private cachedKeys = 0;

  private keyOf(issue: DatasetIssue): string {
    const byWording = this.keys[levelOf(issue)];
    const wording = issue.code ?? issue.message;
    let byColumn = byWording.get(wording);
    let byFile = byColumn?.get(issue.column ?? '');
    let key = byFile?.get(issue.file);
    if (key !== undefined) return key;
    key = kindKey(issue);
    // Bounded: messages that quote each row's value would otherwise grow it without end.
    if (this.cachedKeys < 10_000) {
      this.cachedKeys++;
      if (!byColumn) {
        byColumn = new Map();
        byWording.set(wording, byColumn);
      }
      if (!byFile) {
        byFile = new Map();
        byColumn.set(issue.column ?? '', byFile);
      }
      byFile.set(issue.file, key);
    }
    return key;
  }

  /** Adds issues; the ones past their kind's share are only counted. */
  push(...issues: DatasetIssue[]): void {
    for (const issue of issues) this.add(issue);
  }

  add(issue: DatasetIssue): void {
    const level = levelOf(issue);
    if (level === 'error') this.errorTotal++;
    let key = this.keyOf(issue);
    let kind = this.byKind.get(key);
    const other = !kind && this.byKind.size >= MAX_KINDS;
    if (other) {
      key = `${OTHER_KINDS}:${level}`;
      kind = this.byKind.get(key);
    }
    if (!kind) {
      kind = { level, file: issue.file, message: other ? OTHER_KINDS : issue.message, count: 0, listed: 0 };
      if (issue.column !== undefined && !other) kind.column = issue.column;
      this.byKind.set(key, kind);
    }
    kind.count++;
    if (kind.listed < ISSUES_PER_KIND) {
      kind.listed++;
      this.kept.push({ key, issue });
    }
  }

  /** Takes back every issue of the kind `like` belongs to (to say it once instead) and returns how many there were. */
  retract(like: DatasetIssue): number {
    const key = kindKey(like);
    const kind = this.byKind.get(key);
    if (!kind) return 0;
    this.byKind.delete(key);
    for (let i = this.kept.length - 1; i >= 0; i--) if (this.kept[i]?.key === key) this.kept.splice(i, 1);
    if (kind.level === 'error') this.errorTotal -= kind.count;
    return kind.count;
  }

  /** Every issue found (of one level, when given), listed or only counted. */
  total(level?: 'error' | 'warning'): number {
    return this.kinds(level).reduce((n, k) => n + k.count, 0);
  }

  get errorCount(): number {
    return this.errorTotal;
  }

  /** The listed issues, in the order found. */
  issues(level?: 'error' | 'warning'): DatasetIssue[] {
    const all = this.kept.map((k) => k.issue);
    return level === undefined ? all : all.filter((i) => levelOf(i) === level);
  }

  /** Counts per kind (of one level, when given), in the order each kind was first found. */
  kinds(level?: 'error' | 'warning'): IssueKind[] {
    const out: IssueKind[] = [];
    for (const { level: l, ...kind } of this.byKind.values()) if (level === undefined || l === level) out.push(kind);
    return out;
  }

  /** Throws a DatasetError when any issue is an error; warnings pass. */
  throwOnErrors(): void {
    if (this.errorTotal > 0) throw new DatasetError(this.issues('error'), this.kinds('error'));
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * A dataset that cannot be trained on. `issues` lists up to ISSUES_PER_KIND problems of each kind and `kinds`
 * counts every problem found by kind; the message names the first ISSUES_IN_MESSAGE and the counts, and
 * `report()` spells out the whole list for a terminal.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
  readonly issues: readonly DatasetIssue[];
  readonly kinds: readonly IssueKind[];
  /** Every problem found, listed or only counted. */
  readonly total: number;

  /** Issues alone are capped and counted here; `kinds` (from an IssueLog) says how many of each there were in all. */
  constructor(issues: readonly DatasetIssue[], kinds?: readonly IssueKind[]) {
    let listed = issues;
    let counted = kinds;
    if (!counted) {
      const log = new IssueLog();
      for (const issue of issues) log.add(issue);
      listed = log.issues();
      counted = log.kinds();
    }
    const total = counted.reduce((n, k) => n + k.count, 0);
    const shown = listed.slice(0, ISSUES_IN_MESSAGE).map((i) => `  ${formatIssue(i)}`);
    const lines = [`the dataset has ${plural(total, 'problem')}; fix them and load it again:`, ...shown];
    if (total > shown.length) lines.push(...kindLines(counted, 10));
    super(lines.join('\n'));
    this.issues = listed;
    this.kinds = counted;
    this.total = total;
  }

  /** Every listed issue, then the counts by kind: what a terminal shows. */
  report(): string {
    const lines = [`the dataset has ${plural(this.total, 'problem')}; fix them and load it again:`];
    for (const i of this.issues) lines.push(`  ${formatIssue(i)}`);
    if (this.total > this.issues.length) lines.push(...kindLines(this.kinds, this.kinds.length));
    return lines.join('\n');
  }
}

/** One line per kind: how many, where, and the first message; at most `limit` kinds. */
function kindLines(kinds: readonly IssueKind[], limit: number): string[] {
  const lines = [`by kind (${plural(kinds.length, 'kind')}):`];
  for (const k of kinds.slice(0, limit)) {
    const where = `${k.file}${k.column === undefined ? '' : `, column '${k.column}'`}`;
    const rest = k.count > k.listed ? ` (${k.listed} listed)` : '';
    lines.push(`  ${plural(k.count, 'issue')}${rest} in ${where}: ${k.message === OTHER_KINDS ? 'other problems' : k.message}`);
  }
  if (kinds.length > limit) lines.push(`  ... and ${plural(kinds.length - limit, 'more kind')}`);
  return lines;
}
