// A run's metric series and log, built from its events as they arrive: history first, then the live subscription,
// which after a reconnect replays from the last seq seen. Events are applied once each, by sequence number.

export interface RunEventLike {
  seq: number;
  /** The API's RunEventType: STARTED, STEP, EVAL, CHECKPOINT, WARNING, EARLY_STOP, TEST, FINISHED, FAILED or CANCELLED. */
  type: string;
  step: number;
  epoch?: number;
  time?: string;
  values: Record<string, number>;
  message?: string | null;
  /** A warning's code (CHECKPOINT_DAMAGED, DROPOUT_CHANGED...). */
  code?: string | null;
}

/** A warning the trainer gave, as the run page lists it. */
export interface RunWarning {
  seq: number;
  step: number;
  code: string;
  message: string;
}

/** One metric over optimizer steps; x is sorted ascending. */
export interface Series {
  name: string;
  x: number[];
  y: number[];
}

export interface EarlyStoppingState {
  /** The best value of the metric so far, null before the first evaluation. */
  best: number | null;
  bestStep: number | null;
  /** Evaluations since the best one (0 right after an improvement). */
  evaluationsSinceBest: number;
  /** Evaluations without improvement left before the run stops; null without early stopping. */
  patienceLeft: number | null;
}

// The order a step event's values are listed in; other step values follow in the order they first appear.
const STEP_METRICS = ['loss', 'learning_rate', 'grad_norm', 'tokens_per_s'];

// Errors and losses: smaller is better (as @tuneql/engine's greaterIsBetter, which a browser bundle cannot import).
const LOWER_IS_BETTER = new Set(['loss', 'mse', 'mae', 'rmse', 'perplexity', 'hamming_loss']);

/** Whether a larger value of the metric is better; 'eval_' and 'test_' prefixes are ignored. */
export function higherIsBetter(metric: string): boolean {
  const name = metric.replace(/^(?:eval|test)_/, '');
  return !(LOWER_IS_BETTER.has(name) || name.endsWith('_loss'));
}

interface Evaluation {
  step: number;
  values: Record<string, number>;
}

interface Column {
  x: number[];
  y: number[];
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

function formatValues(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : String(v)}`)
    .join(', ');
}

/** One human line for an event, as the run page's log shows it. */
export function describeEvent(e: RunEventLike): string {
  const v = e.values ?? {};
  const message = e.message ? `: ${e.message}` : '';
  switch (e.type) {
    case 'STARTED': {
      const total = v.total_steps;
      const parts = [total !== undefined ? `${total} steps` : undefined];
      if (v.parameters !== undefined) {
        parts.push(`${v.trainable_parameters ?? '?'} of ${v.parameters} parameters trainable`);
      }
      return `started${e.step > 0 ? ` from step ${e.step}` : ''}: ${parts.filter(Boolean).join(', ')}`;
    }
    case 'STEP':
      return `step ${e.step}${e.epoch !== undefined ? ` (epoch ${formatNumber(e.epoch)})` : ''}: ${formatValues(v)}`;
    case 'EVAL':
      return `evaluation at step ${e.step}: ${formatValues(v)}`;
    case 'TEST':
      return `test: ${formatValues(v)}`;
    case 'CHECKPOINT':
      return `checkpoint at step ${e.step}${message}`;
    case 'WARNING':
      return `warning${e.code ? ` ${e.code}` : ''} at step ${e.step}${message}`;
    default: {
      const values = Object.keys(v).length ? ` (${formatValues(v)})` : '';
      return `${e.type.toLowerCase().replace(/_/g, ' ')} at step ${e.step}${message}${values}`;
    }
  }
}

export class RunSeries {
  /** The highest seq applied; events at or below it are replays and are ignored. */
  lastSeq: number;
  #gaps = 0;
  #version = 0;
  readonly #columns = new Map<string, Column>();
  readonly #stepNames: string[] = [];
  readonly #evalNames: string[] = [];
  readonly #evaluations: Evaluation[] = [];
  readonly #events: RunEventLike[] = [];
  readonly #log: { seq: number; text: string }[] = [];
  #started: Record<string, number> | undefined;
  readonly #warnings: RunWarning[] = [];

  /** `afterSeq`: the seq of the last event already accounted for (0 for a run's whole history). */
  constructor(afterSeq = 0) {
    this.lastSeq = afterSeq;
  }

  /** Times an event arrived with seqs missing before it (the server numbers events 1, 2, 3... without holes). */
  get gaps(): number {
    return this.#gaps;
  }

  /** Grows with every applied event: a cheap dependency for memoized charts. */
  get version(): number {
    return this.#version;
  }

  /** Applies one event; false (and nothing changes) when its seq was already applied. */
  add(event: RunEventLike): boolean {
    if (!(event.seq > this.lastSeq)) return false;
    if (event.seq > this.lastSeq + 1) this.#gaps++;
    this.lastSeq = event.seq;
    this.#version++;
    this.#events.push(event);
    if (event.type === 'STARTED') this.#started = event.values;
    if (event.type === 'WARNING') {
      this.#warnings.push({ seq: event.seq, step: event.step, code: event.code ?? 'WARNING', message: event.message ?? '' });
    } else if (event.type === 'STEP') {
      for (const [name, value] of Object.entries(event.values)) this.#point(name, event.step, value, this.#stepNames);
    } else if (event.type === 'EVAL') {
      // A resumed run replays the steps after its checkpoint: what came after this step is superseded.
      while (this.#evaluations.length && (this.#evaluations[this.#evaluations.length - 1]?.step ?? 0) > event.step) this.#evaluations.pop();
      this.#evaluations.push({ step: event.step, values: event.values });
      for (const [name, value] of Object.entries(event.values)) {
        if (name.startsWith('eval_')) this.#point(name, event.step, value, this.#evalNames);
      }
    }
    return true;
  }

  /** Applies a batch in seq order (a replay after a reconnect may overlap what is here); returns how many were new. */
  addAll(events: readonly RunEventLike[]): number {
    let sorted = true;
    for (let i = 1; i < events.length && sorted; i++) sorted = (events[i - 1]?.seq ?? 0) <= (events[i]?.seq ?? 0);
    const ordered = sorted ? events : [...events].sort((a, b) => a.seq - b.seq);
    let applied = 0;
    for (const e of ordered) if (this.add(e)) applied++;
    return applied;
  }

  #point(name: string, step: number, value: unknown, names: string[]): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    let column = this.#columns.get(name);
    if (!column) {
      column = { x: [], y: [] };
      this.#columns.set(name, column);
      names.push(name);
    }
    // Steps replayed after a resume (or a second evaluation at one step) replace the points they repeat.
    const { x, y } = column;
    while (x.length && (x[x.length - 1] ?? 0) >= step) {
      x.pop();
      y.pop();
    }
    x.push(step);
    y.push(value);
  }

  /** The series there are points for: loss, learning_rate, grad_norm, tokens_per_s (those present), other step values, then eval_*. */
  names(): string[] {
    const known = STEP_METRICS.filter((n) => this.#stepNames.includes(n));
    const other = this.#stepNames.filter((n) => !STEP_METRICS.includes(n));
    return [...known, ...other, ...this.#evalNames];
  }

  /** The parameter counts from the latest `started` event (the trainer reports them once the strategy is applied). */
  parameterCounts(): { trainable?: number; total?: number } {
    const v = this.#started ?? {};
    return {
      trainable: typeof v.trainable_parameters === 'number' ? v.trainable_parameters : undefined,
      total: typeof v.parameters === 'number' ? v.parameters : undefined,
    };
  }

  /** A copy of one series (empty for a name with no points). */
  series(name: string): Series {
    const column = this.#columns.get(name);
    return { name, x: column ? column.x.slice() : [], y: column ? column.y.slice() : [] };
  }

  /**
   * Early stopping as the trainer counts it: the best evaluation of `metric` ('accuracy' or 'eval_accuracy') and
   * the evaluations since; an evaluation improves only by more than `minDelta`.
   */
  earlyStopping(patience: number | undefined, metric: string, higherIsBetter: boolean, minDelta = 0): EarlyStoppingState {
    const name = metric.startsWith('eval_') ? metric : `eval_${metric}`;
    let best: number | null = null;
    let bestStep: number | null = null;
    let since = 0;
    for (const e of this.#evaluations) {
      const value = e.values[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const improved = best === null || (higherIsBetter ? value > best + minDelta : value < best - minDelta);
      if (improved) {
        best = value;
        bestStep = e.step;
        since = 0;
      } else since++;
    }
    return {
      best,
      bestStep,
      evaluationsSinceBest: since,
      patienceLeft: patience === undefined ? null : Math.max(0, patience - since),
    };
  }

  /** The trainer's warnings, oldest first. */
  warnings(): RunWarning[] {
    return this.#warnings.slice();
  }

  /** One line per applied event, oldest first (replaced points stay in the log: it records what happened). */
  log(): { seq: number; text: string }[] {
    for (let i = this.#log.length; i < this.#events.length; i++) {
      const e = this.#events[i] as RunEventLike;
      this.#log.push({ seq: e.seq, text: describeEvent(e) });
    }
    return this.#log.slice();
  }
}
