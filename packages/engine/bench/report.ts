// Timing statistics and the plain-text table both benchmark scripts print their figures with.

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** One result line: JSON with --json, otherwise one row of printTable. */
export type Line = Record<string, string | number | boolean>;

/** Left-aligned columns, the union of every line's keys in first-seen order; a missing value is left blank. */
export function printTable(lines: readonly Line[]): void {
  const cols = [...new Set(lines.flatMap((l) => Object.keys(l)))];
  const cell = (v: unknown): string => (v === undefined ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...lines.map((l) => cell(l[c]).length)));
  const row = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i] as number)).join('  ');
  console.log(row(cols));
  console.log(row(widths.map((w) => '-'.repeat(w))));
  for (const l of lines) console.log(row(cols.map((c) => cell(l[c]))));
}
