// What a worker reports about the runs it trains, beside their events: step and token rates and
// heartbeats as metrics, and a progress line in the log every so often (step/total, loss, steps/s).

import type { TrainEvent } from '@tuneql/engine';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';

/** Steps the rates are measured over: smooth enough to read, recent enough to show a slowdown. */
const RATE_WINDOW = 20;
/** How often a running run's progress is logged when the caller does not say. @default 30_000 // 30 seconds */
export const PROGRESS_LOG_MS = 30_000;

/** Steps and token positions per second over the last RATE_WINDOW steps of one run, evaluations left out. */
export class StepRate {
  /** Seconds each recent step took, measured between consecutive step events. */
  private seconds: number[] = [];
  private tokens: number[] = [];
  private previous: { step: number; time: number } | undefined;

  observe(e: TrainEvent): void {
    if (e.type === 'eval') {
      // The time up to the next step is an evaluation's, not a step's.
      this.previous = undefined;
      return;
    }
    if (e.type !== 'step') return;
    const time = Date.parse(e.time);
    if (this.previous && e.step === this.previous.step + 1 && time > this.previous.time) {
      this.seconds.push((time - this.previous.time) / 1000);
      if (this.seconds.length > RATE_WINDOW) this.seconds.shift();
    }
    this.previous = { step: e.step, time };
    this.tokens.push(e.values.tokens_per_s ?? 0);
    if (this.tokens.length > RATE_WINDOW) this.tokens.shift();
  }

  /** 0 until two consecutive steps are seen. */
  get stepsPerSecond(): number {
    const total = this.seconds.reduce((sum, s) => sum + s, 0);
    return total > 0 ? this.seconds.length / total : 0;
  }

  /** The mean of the trainer's per-step figure (batch positions computed on / the step's seconds). */
  get tokensPerSecond(): number {
    return this.tokens.length ? this.tokens.reduce((sum, t) => sum + t, 0) / this.tokens.length : 0;
  }
}

export interface RunWatchOptions {
  runId: string;
  attempt: number;
  log: Logger;
  /** The queue job of this claim and how to read its last heartbeat. */
  heartbeat?: { read: () => Promise<Date | undefined>; everyMs: number };
  progressEveryMs?: number;
}

/** One worker's meters: the gauges are the sums over the runs it trains now. */
export class WorkerMonitor {
  private readonly metrics: Metrics;
  private readonly workerId: string;
  private readonly watches = new Set<RunWatch>();

  constructor(metrics: Metrics, workerId: string) {
    this.metrics = metrics;
    this.workerId = workerId;
    // The counters exist from the start, so rate() and absent() work before the first run.
    metrics.steps.inc({ worker: workerId }, 0);
    metrics.heartbeats.inc({ worker: workerId }, 0);
    this.publish();
  }

  /** Starts watching a claimed run; stop() the watch when the attempt ends. */
  watch(options: RunWatchOptions): RunWatch {
    const watch = new RunWatch(options, this);
    this.watches.add(watch);
    this.publish();
    return watch;
  }

  /** @internal */
  ended(watch: RunWatch): void {
    this.watches.delete(watch);
    this.publish();
  }

  /** @internal */
  heartbeat(at: Date): void {
    this.metrics.heartbeats.inc({ worker: this.workerId });
    this.metrics.lastHeartbeat.set({ worker: this.workerId }, at.getTime() / 1000);
  }

  /** @internal */
  stepped(): void {
    this.metrics.steps.inc({ worker: this.workerId });
    this.publish();
  }

  /** @internal */
  publish(): void {
    const worker = this.workerId;
    let steps = 0;
    let tokens = 0;
    for (const w of this.watches) {
      steps += w.rate.stepsPerSecond;
      tokens += w.rate.tokensPerSecond;
    }
    this.metrics.stepsPerSecond.set({ worker }, steps);
    this.metrics.tokensPerSecond.set({ worker }, tokens);
    this.metrics.activeRuns.set({ worker }, this.watches.size);
  }
}

export class RunWatch {
  readonly rate = new StepRate();
  private readonly options: RunWatchOptions;
  private readonly monitor: WorkerMonitor;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastStep: TrainEvent | undefined;
  private totalSteps = 0;
  private lastBeat = 0;
  private stopped = false;

  constructor(options: RunWatchOptions, monitor: WorkerMonitor) {
    this.options = options;
    this.monitor = monitor;
    const { heartbeat } = options;
    if (heartbeat) {
      void this.readHeartbeat();
      this.timers.push(setInterval(() => void this.readHeartbeat(), heartbeat.everyMs).unref());
    }
    this.timers.push(setInterval(() => this.logProgress(), options.progressEveryMs ?? PROGRESS_LOG_MS).unref());
  }

  onEvent(e: TrainEvent): void {
    if (e.type === 'started') {
      this.totalSteps = Number(e.values.total_steps ?? 0);
      this.options.log.info(
        { step: e.step, totalSteps: this.totalSteps },
        e.step ? `resumed at step ${e.step} of ${this.totalSteps}` : `training ${this.totalSteps} steps`,
      );
    } else if (e.type === 'checkpoint')
      this.options.log.info({ step: e.step, detail: e.message }, `checkpoint at step ${e.step}: ${e.message}`);
    else if (e.type === 'warning')
      this.options.log.warn({ step: e.step, code: e.code }, `warning ${e.code} at step ${e.step}: ${e.message}`);
    else if (e.type === 'early_stop') this.options.log.info({ step: e.step }, `stopping early at step ${e.step}: ${e.message}`);
    else if (e.type === 'failed') this.options.log.warn({ step: e.step }, `training failed at step ${e.step}: ${e.message}`);
    this.rate.observe(e);
    if (e.type === 'step') {
      this.lastStep = e;
      this.monitor.stepped();
    }
  }

  /** The progress line: step/total, loss, steps/s and tokens/s, as fields and as text. */
  logProgress(): void {
    const e = this.lastStep;
    if (!e || this.stopped) return;
    const loss = e.values.loss;
    const stepsPerSecond = round(this.rate.stepsPerSecond);
    const tokensPerSecond = Math.round(this.rate.tokensPerSecond);
    this.options.log.info(
      { step: e.step, totalSteps: this.totalSteps, epoch: round(e.epoch), loss, stepsPerSecond, tokensPerSecond },
      `step ${e.step}/${this.totalSteps}, loss ${loss?.toPrecision(4)}, ${stepsPerSecond} steps/s, ${tokensPerSecond} tokens/s`,
    );
  }

  stop(): void {
    if (this.stopped) return;
    this.logProgress();
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.monitor.ended(this);
  }

  private async readHeartbeat(): Promise<void> {
    try {
      const at = await this.options.heartbeat?.read();
      if (!at || this.stopped || at.getTime() <= this.lastBeat) return;
      this.lastBeat = at.getTime();
      this.monitor.heartbeat(at);
    } catch (err) {
      // A missed reading is not a missed heartbeat: the next reading sees the newest one.
      this.options.log.debug({ err }, "cannot read the run's last heartbeat from the queue");
    }
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
