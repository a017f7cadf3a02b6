// A one-line progress display on stderr: steps, loss, throughput and time left.

export class Progress {
  private readonly total: number;
  private readonly tty: boolean;
  private readonly started = Date.now();
  private lastPrint = 0;
  private startStep = 0;

  constructor(total: number, startStep = 0) {
    this.total = total;
    this.startStep = startStep;
    this.tty = Boolean(process.stderr.isTTY);
  }

  update(step: number, values: Record<string, number>): void {
    const now = Date.now();
    // On a terminal the line is redrawn in place; in a log, one line every 10 seconds and at the end.
    if (!this.tty && now - this.lastPrint < 10_000 && step < this.total) return;
    this.lastPrint = now;
    const done = (step - this.startStep) / Math.max(1, now - this.started);
    const eta = done > 0 ? (this.total - step) / done : Number.NaN;
    const width = 24;
    const filled = Math.round((width * step) / this.total);
    const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}]`;
    const parts = [`step ${step}/${this.total}`, bar];
    if (values.loss !== undefined) parts.push(`loss ${values.loss.toFixed(4)}`);
    if (values.tokens_per_s !== undefined) parts.push(`${Math.round(values.tokens_per_s)} tok/s`);
    parts.push(`ETA ${formatDuration(eta)}`);
    const line = parts.join('  ');
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Prints a message on its own line without breaking the bar. */
  log(message: string): void {
    process.stderr.write(this.tty ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  end(): void {
    if (this.tty) process.stderr.write('\n');
  }
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
