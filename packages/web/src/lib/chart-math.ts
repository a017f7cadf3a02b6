// The arithmetic of a canvas line chart that stays responsive at 10,000+ points per series: decimation to the
// pixel grid, extents, round tick values and their labels, and linear scales.

/**
 * At most four points per pixel column (the first, the lowest, the highest and the last, in x order), so the
 * drawn line looks exactly like the full one: every extreme and the series' first and last point survive.
 * `x` must be ascending (a run's steps are); points with a non-finite x or y are dropped.
 */
export function decimate(x: readonly number[], y: readonly number[], pixels: number): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  const columns = Math.max(1, Math.floor(pixels));
  const outX: number[] = [];
  const outY: number[] = [];
  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { x: outX, y: outY };
  const x0 = x[first] as number;
  const span = (x[last] as number) - x0;
  if (n <= 4 * columns) {
    for (let i = first; i <= last; i++) {
      const xi = x[i] as number;
      const yi = y[i] as number;
      if (Number.isFinite(xi) && Number.isFinite(yi)) {
        outX.push(xi);
        outY.push(yi);
      }
    }
    return { x: outX, y: outY };
  }
  const scale = span > 0 ? columns / span : 0;
  let column = -1;
  let cFirst = -1;
  let cMin = -1;
  let cMax = -1;
  let cLast = -1;
  const flush = (): void => {
    if (cFirst < 0) return;
    // Four indices in x order, each once.
    const picks = [cFirst, cMin, cMax, cLast].sort((a, b) => a - b);
    let previous = -1;
    for (const i of picks) {
      if (i === previous) continue;
      previous = i;
      outX.push(x[i] as number);
      outY.push(y[i] as number);
    }
  };
  for (let i = first; i <= last; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    if (!Number.isFinite(xi) || !Number.isFinite(yi)) continue;
    const c = Math.min(columns - 1, Math.floor((xi - x0) * scale));
    if (c !== column) {
      flush();
      column = c;
      cFirst = cMin = cMax = cLast = i;
      continue;
    }
    cLast = i;
    if (yi < (y[cMin] as number)) cMin = i;
    if (yi > (y[cMax] as number)) cMax = i;
  }
  flush();
  return { x: outX, y: outY };
}

/** [min, max] of the finite values; [0, 1] when there are none, so an empty chart still has an axis. */
export function extent(values: readonly number[]): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [0, 1];
}

/** 1, 2, 2.5 or 5 times a power of ten: the step nearest to `span / count` among those. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction < 1.5 ? 1 : fraction < 2.25 ? 2 : fraction < 3.5 ? 2.5 : fraction < 7.5 ? 5 : 10;
  return nice * power;
}

/**
 * About `count` intervals of round values (multiples of 1, 2, 2.5 or 5 × 10^k) from at or below `min` to at or
 * above `max`: use the first and last as the axis domain. A zero-width range is widened around its value.
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const start = Math.floor(lo / step + 1e-9);
  const end = Math.ceil(hi / step - 1e-9);
  // Decimals of the step, to print 0.1 * 3 as 0.3 rather than 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  const ticks: number[] = [];
  for (let i = start; i <= end; i++) ticks.push(Number((i * step).toFixed(Math.min(decimals, 100))));
  return ticks;
}

function trim(digits: string): string {
  return digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits;
}

const UNITS: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * A short axis label: 1.2k, 3.5M, 12.5, 0.25, 3e-4, 2.5e-5. Up to three significant digits; below 0.001 in
 * exponent form, where decimals would be mostly zeros.
 */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (a < 1e-3 || a >= 1e15) {
    const [mantissa = '', exponent = ''] = a.toExponential(2).split('e');
    return `${sign}${trim(mantissa)}e${Number(exponent)}`;
  }
  // Rounded first, so 999,600 reads 1M rather than 1000k.
  const rounded = Number(a.toPrecision(3));
  for (const [size, suffix] of UNITS) {
    if (rounded >= size) return `${sign}${trim(String(Number((rounded / size).toPrecision(3))))}${suffix}`;
  }
  return `${sign}${rounded}`;
}

/** A linear map of `domain` onto `range`; a zero-width domain maps everything to the middle of the range. */
export function scaleLinear(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) {
    const middle = (r0 + r1) / 2;
    return () => middle;
  }
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** The index of the point whose x is nearest to `value` (x ascending): for a chart's hover read-out. -1 for none. */
export function nearestIndex(x: readonly number[], value: number): number {
  if (x.length === 0) return -1;
  let lo = 0;
  let hi = x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((x[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((x[lo - 1] as number) - value) <= Math.abs((x[lo] as number) - value)) return lo - 1;
  return lo;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight `weight` (0: none, 0.99: heavy), debiased so
 * the first points are not pulled towards zero. Non-finite values pass through and do not enter the average.
 */
export function emaSmooth(y: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return y.slice();
  const w = Math.min(weight, 0.999);
  const out: number[] = new Array(y.length);
  let last = 0;
  // w^count, for the debiasing: kept as a running product rather than a power per point.
  let power = 1;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    power *= w;
    out[i] = last / (1 - power);
  }
  return out;
}

/**
 * Ticks for a log axis over positive [min, max], as values: powers of ten when the range spans a decade or more
 * (every k-th one when there are many), else round linear ticks. The first and last bound the axis.
 */
export function logTicks(min: number, max: number, count: number): number[] {
  if (!(min > 0) || !(max > 0)) return [];
  const lo = Math.floor(Math.log10(Math.min(min, max)) + 1e-9);
  const hi = Math.ceil(Math.log10(Math.max(min, max)) - 1e-9);
  if (hi - lo >= 2 || (hi - lo === 1 && Math.max(min, max) / Math.min(min, max) >= 10)) {
    const every = Math.max(1, Math.ceil((hi - lo) / Math.max(1, count)));
    const ticks: number[] = [];
    for (let k = Math.floor(lo / every) * every; k < hi + every; k += every) ticks.push(Number(`1e${k}`));
    return ticks;
  }
  return niceTicks(min, max, count).filter((t) => t > 0);
}

/** Whether two series hold the same points: the same x, and y equal to within `tolerance` relative (float rounding). */
export function sameSeries(
  a: { x: readonly number[]; y: readonly number[] },
  b: { x: readonly number[]; y: readonly number[] },
  tolerance = 1e-9,
): boolean {
  if (a.x.length !== b.x.length || a.y.length !== b.y.length) return false;
  for (let i = 0; i < a.x.length; i++) if (a.x[i] !== b.x[i]) return false;
  for (let i = 0; i < a.y.length; i++) {
    const u = a.y[i] as number;
    const v = b.y[i] as number;
    if (u === v || (Number.isNaN(u) && Number.isNaN(v))) continue;
    if (!(Math.abs(u - v) <= tolerance * Math.max(1, Math.abs(u), Math.abs(v)))) return false;
  }
  return true;
}

/** The index range [from, to) of ascending `x` inside [lo, hi], widened by one point each side so a zoomed line reaches the edges. */
export function visibleRange(x: readonly number[], lo: number, hi: number): [number, number] {
  let from = 0;
  while (from < x.length && (x[from] as number) < lo) from++;
  let to = x.length;
  while (to > from && (x[to - 1] as number) > hi) to--;
  return [Math.max(0, from - 1), Math.min(x.length, to + 1)];
}
