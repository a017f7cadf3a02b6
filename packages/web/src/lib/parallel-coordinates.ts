// The layout of a parallel-coordinates plot of a sweep's trials: one vertical axis per parameter and one for
// the objective, each trial a line through its values. Numeric axes are linear or logarithmic (as the
// parameter is drawn), choices are evenly spaced in the order given; y is a fraction of the axis' height
// from its bottom, so the drawing code only scales.

export interface AxisSpec {
  name: string;
  /** The choices, for a categorical axis; numbers otherwise. */
  values?: readonly unknown[] | null;
  log?: boolean;
}

export interface Axis {
  name: string;
  kind: 'numeric' | 'categorical';
  log: boolean;
  /** Labels at the axis' ticks, bottom first, with their positions in [0, 1]. */
  ticks: { at: number; label: string }[];
  /** Where a value lies on the axis, in [0, 1]; undefined for a value the axis cannot place. */
  position(value: unknown): number | undefined;
}

const key = (v: unknown) => JSON.stringify(v);

/** A short label for a number: `digits` significant digits (3 by default), exponent form for very small or large ones. */
export function tickLabel(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(digits - 2).replace('e-', 'e−') : String(Number(v.toPrecision(digits)));
}

/** Labels for `values` with the fewest significant digits (3 to 8) that tell them apart: close losses need more. */
export function distinctLabels(values: readonly number[]): string[] {
  for (let digits = 3; digits < 8; digits++) {
    const labels = values.map((v) => tickLabel(v, digits));
    if (new Set(labels).size === new Set(values).size) return labels;
  }
  return values.map((v) => tickLabel(v, 8));
}

/** An axis for `spec` over the values the trials took (`observed`), which widen a numeric axis beyond none. */
export function makeAxis(spec: AxisSpec, observed: readonly unknown[]): Axis {
  if (spec.values?.length && spec.values.some((v) => typeof v !== 'number')) {
    const values = spec.values;
    const index = new Map(values.map((v, i) => [key(v), i]));
    const at = (i: number) => (values.length === 1 ? 0.5 : i / (values.length - 1));
    return {
      name: spec.name,
      kind: 'categorical',
      log: false,
      ticks: values.map((v, i) => ({ at: at(i), label: String(v) })),
      position: (v) => {
        const i = index.get(key(v));
        return i === undefined ? undefined : at(i);
      },
    };
  }
  const log = !!spec.log;
  const numbers = [...(spec.values ?? []), ...observed].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && (!log || v > 0),
  );
  const t = (v: number) => (log ? Math.log10(v) : v);
  let lo = numbers.length ? Math.min(...numbers.map(t)) : 0;
  let hi = numbers.length ? Math.max(...numbers.map(t)) : 1;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const position = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && (!log || v > 0) ? (t(v) - lo) / (hi - lo) : undefined);
  const at = [0, 0.5, 1];
  const labels = distinctLabels(at.map((f) => (log ? 10 ** (lo + f * (hi - lo)) : lo + f * (hi - lo))));
  const ticks = at.map((f, i) => ({ at: f, label: labels[i] as string }));
  return { name: spec.name, kind: 'numeric', log, ticks, position };
}

export interface TrialLine {
  id: string;
  /** Each axis' position in [0, 1], or undefined where the trial has no value (a pruned trial's objective). */
  points: (number | undefined)[];
}

/** Each trial's line over the axes. */
export function trialLines(axes: readonly Axis[], trials: readonly { id: string; values: readonly unknown[] }[]): TrialLine[] {
  return trials.map((t) => ({ id: t.id, points: axes.map((a, i) => a.position(t.values[i])) }));
}
