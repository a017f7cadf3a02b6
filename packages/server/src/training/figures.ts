// Numbers for people: what the command and the logs print, without float noise like 269.64999999999986.

/** An integer as it is; others to 4 significant digits (0.8123, 269.6, 2e-5), and 10000 and over as a whole number. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 10_000) return String(Math.round(value));
  return String(Number(value.toPrecision(4)));
}

/** `key value, key value` with each value formatted. */
export function formatFigures(values: Readonly<Record<string, number>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${formatFigure(v)}`)
    .join(', ');
}
