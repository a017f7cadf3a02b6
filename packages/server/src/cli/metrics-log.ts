// metrics.jsonl: every training event as one JSON object per line, kept free of duplicates across resumes.

import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { TrainEvent } from '@tuneql/engine';

export class MetricsLog {
  readonly file: string;
  private checked = false;

  constructor(file: string) {
    this.file = file;
  }

  /**
   * Appends one event. The first event of a resumed run drops the lines the interrupted run wrote
   * after its last checkpoint (they carry sequence numbers the resumed run emits again).
   */
  write(event: TrainEvent): void {
    if (!this.checked) {
      this.checked = true;
      if (existsSync(this.file)) {
        const kept = readFileSync(this.file, 'utf8')
          .split('\n')
          .filter((line) => line.trim() && (JSON.parse(line) as { seq: number }).seq < event.seq);
        writeFileSync(this.file, kept.map((l) => `${l}\n`).join(''));
      }
    }
    const { values, ...rest } = event;
    appendFileSync(this.file, `${JSON.stringify({ ...rest, ...values })}\n`);
  }
}
