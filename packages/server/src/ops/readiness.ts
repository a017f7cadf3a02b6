// Readiness: named checks (the database, and whatever else a process depends on, such as the object
// store) run together for /readyz; liveness (/healthz) deliberately checks nothing but that the process answers.

export interface CheckResult {
  name: string;
  ok: boolean;
  /** How long the check took, in milliseconds. */
  durationMs: number;
  /** Why it failed, naming the dependency. */
  error?: string;
}

export interface ReadinessReport {
  ok: boolean;
  checks: CheckResult[];
}

/** A check passes by resolving and fails by throwing; its message should say what is unreachable and where. */
export type ReadinessCheck = () => Promise<unknown>;

/** A check that has not answered after this long fails, so a hung dependency cannot hang the probe. @default 3_000 // 3 seconds */
export const CHECK_TIMEOUT_MS = 3_000;

export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  }

  /** Registers a check under `name` (one line where a dependency is set up: `readiness.add('storage', () => store.check())`). */
  add(name: string, check: ReadinessCheck): this {
    if (this.checks.has(name)) throw new Error(`readiness check '${name}' is registered twice; give each dependency its own name`);
    this.checks.set(name, check);
    return this;
  }

  get names(): string[] {
    return [...this.checks.keys()];
  }

  /** Runs every check at once; the report is ok only when all pass. */
  async run(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.checks].map(([name, check]) => this.runOne(name, check)));
    return { ok: checks.every((c) => c.ok), checks };
  }

  private async runOne(name: string, check: ReadinessCheck): Promise<CheckResult> {
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(check), timeout]);
      return { name, ok: true, durationMs: elapsed(start) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { name, ok: false, durationMs: elapsed(start), error: `${name}: ${message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
