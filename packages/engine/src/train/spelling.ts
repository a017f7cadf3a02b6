// "Did you mean": the closest known name to a misspelled one, for errors about configuration keys.

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The known name nearest to `word` (case and `-`/`_` ignored), if near enough to be a likely typo. */
export function closestName(word: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(norm(word), norm(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the word may be wrong, at least 1 and at most 3 edits: 'lerning_rate' finds 'learning_rate', 'colour' nothing.
  const allowed = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/**
 * The message for keys an object does not have: a suggestion for each that looks misspelled, else the keys it has.
 * `aliases` are other accepted names (Hugging Face's), suggested as the name they stand for; `explain` may say
 * why a key is refused in its own words (an alias given along with the name it stands for).
 */
export function unknownKeysMessage(
  keys: readonly string[],
  known: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
  explain: (key: string) => string | undefined = () => undefined,
): string {
  const candidates = [...known, ...Object.keys(aliases)];
  let listKeys = false;
  const parts = keys.map((key) => {
    const explained = explain(key);
    if (explained) return explained;
    const near = closestName(key, candidates);
    const meant = near === undefined ? undefined : (aliases[near] ?? near);
    if (meant) return `unknown key '${key}'; did you mean '${meant}'?`;
    listKeys = true;
    return `unknown key '${key}'`;
  });
  return listKeys ? `${parts.join('; ')}; the keys are ${known.join(', ')}` : parts.join('; ');
}
