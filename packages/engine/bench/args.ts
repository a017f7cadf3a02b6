// The command-line walk both benchmark scripts share: values after flags, pnpm's `--`, and the unknown-flag error.

/**
 * Hands each argument to `take` with a reader for the value that follows it; `take` returns false for a flag
 * it does not know, which throws with `usage` (the flags the script accepts).
 */
export function walkArgs(argv: readonly string[], usage: string, take: (flag: string, value: () => string) => boolean): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--') continue; // pnpm passes the separator through
    if (!take(a, value)) throw new Error(`unknown argument '${a}' (expected ${usage})`);
  }
}
