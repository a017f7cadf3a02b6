// Dataset problems that name the file, row and column, collected across a whole dataset so one load reports them all.

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
}

/** How many issues a DatasetError's message spells out; `.issues` has all of them. */
export const ISSUES_IN_MESSAGE = 20;

export function formatIssue(issue: DatasetIssue): string {
  let where = issue.file;
  if (issue.row !== undefined) where += ` row ${issue.row}`;
  if (issue.line !== undefined && issue.line !== issue.row) where += ` (line ${issue.line})`;
  if (issue.column !== undefined) where += `, column '${issue.column}'`;
  return `${where}: ${issue.message}`;
}

/** A dataset that cannot be trained on; every problem found is in `issues`, the first ISSUES_IN_MESSAGE in the message. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  readonly issues: readonly DatasetIssue[];

  constructor(issues: readonly DatasetIssue[]) {
    const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `  ${formatIssue(i)}`);
    const more = issues.length > ISSUES_IN_MESSAGE ? [`  ... and ${issues.length - ISSUES_IN_MESSAGE} more (see DatasetError.issues)`] : [];
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super([`the dataset has ${count}; fix them and load it again:`, ...shown, ...more].join('\n'));
    this.issues = issues;
  }
}

export function errorsOf(issues: readonly DatasetIssue[]): DatasetIssue[] {
  return issues.filter((i) => (i.level ?? 'error') === 'error');
}

/** Throws a DatasetError when any issue is an error; warnings pass. */
export function throwOnErrors(issues: readonly DatasetIssue[]): void {
  const errors = errorsOf(issues);
  if (errors.length > 0) throw new DatasetError(errors);
}
