// A sweep's search space: the dimensions it varies (trainer settings and strategy options), the grid they
// span, and how a point of the space becomes one trial's run input.

/** One dimension: a list of values to choose from, or a numeric range (log-scaled or not, whole numbers or not). */
export type Dimension =
  | { name: string; kind: 'choice'; values: readonly unknown[] }
  | { name: string; kind: 'range'; min: number; max: number; log: boolean; integer: boolean };

/** A point of the space: each dimension's name and the value a trial takes. */
export type ParameterValues = Record<string, unknown>;

/** Dimensions under this prefix are options of the strategy (`strategyConfig.r`); the others are trainer settings. */
export const STRATEGY_PREFIX = 'strategyConfig.';

/** Points in the full grid of `dims`: every dimension must be a choice. */
export function gridSize(dims: readonly Dimension[]): number {
  return dims.reduce((n, d) => n * (d.kind === 'choice' ? d.values.length : Number.POSITIVE_INFINITY), 1);
}

/**
 * The grid point numbered `index` (0-based), the last dimension varying fastest (as nested loops over the
 * dimensions in the order given would visit them); undefined past the end.
 */
export function gridPoint(dims: readonly Dimension[], index: number): ParameterValues | undefined {
  if (index < 0 || index >= gridSize(dims)) return undefined;
  const point: ParameterValues = {};
  let rest = index;
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i] as Dimension & { kind: 'choice' };
    point[d.name] = d.values[rest % d.values.length];
    rest = Math.floor(rest / d.values.length);
  }
  return Object.fromEntries(dims.map((d) => [d.name, point[d.name]]));
}

/** What a trial's run is made from: the sweep's base run with the point's settings and strategy options laid over it. */
export interface TrialInput {
  hyperparameters: Record<string, unknown>;
  strategyConfig: Record<string, unknown>;
}

export function applyPoint(base: TrialInput, point: ParameterValues): TrialInput {
  const hyperparameters = { ...base.hyperparameters };
  const strategyConfig = { ...base.strategyConfig };
  for (const [name, value] of Object.entries(point)) {
    if (name.startsWith(STRATEGY_PREFIX)) strategyConfig[name.slice(STRATEGY_PREFIX.length)] = value;
    else hyperparameters[name] = value;
  }
  return { hyperparameters, strategyConfig };
}

/** The values that bound a dimension: each choice, or a range's ends (its whole-number ends when integer). */
export function extremes(d: Dimension): unknown[] {
  if (d.kind === 'choice') return [...d.values];
  return d.integer ? [Math.ceil(d.min), Math.floor(d.max)] : [d.min, d.max];
}
