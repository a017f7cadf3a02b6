// Drawing one line chart onto a 2D canvas context: axes with round ticks, and each series decimated to the pixel
// columns it spans (lib/chart-math.ts), so 10,000 points per series cost a few thousand line segments.
import {
  decimate,
  emaSmooth,
  extent,
  formatTick,
  logTicks,
  nearestIndex,
  niceTicks,
  scaleLinear,
  visibleRange,
} from '../lib/chart-math.ts';

export interface ChartSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** Draw a dot at every point (sparse series: evaluations). */
  dots?: boolean;
}

/** The part of CanvasRenderingContext2D the chart uses (a test can pass a recording mock). */
export type ChartContext = Pick<
  CanvasRenderingContext2D,
  | 'setTransform'
  | 'clearRect'
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'stroke'
  | 'fillText'
  | 'arc'
  | 'fill'
  | 'strokeStyle'
  | 'fillStyle'
  | 'lineWidth'
  | 'font'
  | 'textAlign'
  | 'textBaseline'
  | 'globalAlpha'
  | 'save'
  | 'restore'
  | 'rect'
  | 'clip'
>;

export interface ChartLayout {
  width: number;
  height: number;
  /** Device pixels per CSS pixel. */
  dpr: number;
}

export const PALETTE = ['#3056d3', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

const PAD = { left: 48, right: 12, top: 10, bottom: 22 };

export interface DrawOptions {
  /** The pointer's x in CSS pixels: a crosshair at the nearest step, with a dot on each series there. */
  hoverX?: number;
  /** Show only steps in [lo, hi] (a zoom); the y axis fits what is visible. */
  xRange?: [number, number];
  /** A log10 y axis; points at or below zero are left out. */
  logY?: boolean;
  /** TensorBoard's EMA weight in [0, 1): lines (not dotted evaluation series) are drawn smoothed over their faint raw values. */
  smoothing?: number;
}

export interface DrawResult {
  /** Points drawn after decimation, all series. */
  drawn: number;
  /** x and y domains, for hover read-outs (y in log10 units on a log axis). */
  xDomain: [number, number];
  yDomain: [number, number];
  plot: { left: number; right: number; top: number; bottom: number };
  /** The y-axis labels, bottom to top. */
  yLabels: string[];
  /** The step under the crosshair and each series' value there (smoothed where smoothing is on), for the read-out. */
  hover?: { x: number; values: { name: string; color: string; y: number; raw: number }[] };
  /** A checksum of the drawn lines' pixel positions: changes whenever what is drawn does. */
  signature: number;
}

/**
 * Short tick labels; where three significant digits would print two ticks alike (1.805, 1.81), as many decimals as
 * the step needs and no more (a step of 1e-4 prints 1.0119, not 1.011900, which the axis margin would cut).
 */
function tickLabels(ticks: readonly number[]): string[] {
  const short = ticks.map(formatTick);
  if (new Set(short).size === short.length) return short;
  const step = ticks.length > 1 ? Math.abs((ticks[1] as number) - (ticks[0] as number)) : 1;
  // The fewest decimals that write the step whole (a step computed as 9.99999e-5 is 1e-4: four decimals).
  let decimals = 0;
  while (decimals < 20 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6 * Math.max(1, step * 10 ** decimals))
    decimals++;
  return ticks.map((t) => t.toFixed(decimals));
}

interface Prepared {
  s: ChartSeries;
  /** Visible points, y smoothed and (on a log axis) in log10. */
  x: number[];
  y: number[];
  raw: number[];
  /** The raw line under a smoothed one, decimated; undefined when not smoothed. */
  rawDrawn?: { x: number[]; y: number[] };
  d: { x: number[]; y: number[] };
}

export function drawLineChart(
  ctx: ChartContext,
  layout: ChartLayout,
  series: readonly ChartSeries[],
  options: DrawOptions = {},
): DrawResult {
  const { width, height, dpr } = layout;
  const { hoverX, xRange, logY = false, smoothing = 0 } = options;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const plot = { left: PAD.left, right: width - PAD.right, top: PAD.top, bottom: height - PAD.bottom };
  const plotWidth = Math.max(1, plot.right - plot.left);

  const toY = logY ? (v: number) => (v > 0 ? Math.log10(v) : Number.NaN) : (v: number) => v;
  const prepared: Prepared[] = series.map((s) => {
    const n = Math.min(s.x.length, s.y.length);
    const [from, to] = xRange ? visibleRange(s.x.slice(0, n), xRange[0], xRange[1]) : [0, n];
    // Smoothing runs over the whole series (as TensorBoard's), so zooming in does not change the values.
    const smooth = smoothing > 0 && !s.dots;
    const ys = smooth ? emaSmooth(s.y.slice(0, n), smoothing) : s.y;
    const x = s.x.slice(from, to);
    const raw = s.y.slice(from, to).map(toY);
    const y = smooth ? ys.slice(from, to).map(toY) : raw;
    return { s, x, y, raw, rawDrawn: smooth ? decimate(x, raw, plotWidth) : undefined, d: decimate(x, y, plotWidth) };
  });
  const xs = prepared.flatMap(({ d }) => (d.x.length ? [d.x[0] as number, d.x[d.x.length - 1] as number] : []));
  const ys = prepared.flatMap(({ d, rawDrawn }) => (rawDrawn ? [...d.y, ...rawDrawn.y] : d.y));
  const [xMin, xMax] = xRange ?? extent(xs);
  const [yMin, yMax] = extent(ys);
  const tickCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 40));
  const yTickValues = logY ? logTicks(10 ** yMin, 10 ** yMax, tickCount) : niceTicks(yMin, yMax, tickCount);
  const yTicks = logY ? yTickValues.map(Math.log10) : yTickValues;
  // x counts steps: no ticks between them (a run's first three steps would read 1, 1.25, 1.5...).
  const xTicks = niceTicks(xMin, xMax, Math.max(2, Math.floor(plotWidth / 80))).filter((t) => Number.isInteger(t));
  const yDomain: [number, number] = yTicks.length ? [yTicks[0] as number, yTicks[yTicks.length - 1] as number] : [yMin, yMax];
  const xDomain: [number, number] = [xMin, xMax];
  const sx = scaleLinear(xDomain, [plot.left, plot.right]);
  const sy = scaleLinear(yDomain, [plot.bottom, plot.top]);

  // Grid and tick labels.
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#e6e8ec';
  ctx.fillStyle = '#6a7383';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.beginPath();
  const yLabels = tickLabels(yTickValues);
  yTicks.forEach((t, i) => {
    const y = Math.round(sy(t)) + 0.5;
    ctx.moveTo(plot.left, y);
    ctx.lineTo(plot.right, y);
    ctx.fillText(yLabels[i] ?? '', plot.left - 6, y);
  });
  ctx.stroke();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xTicks) {
    if (t < xMin || t > xMax) continue;
    ctx.fillText(formatTick(t), sx(t), plot.bottom + 5);
  }

  let drawn = 0;
  let signature = 0;
  const line = (d: { x: number[]; y: number[] }) => {
    ctx.beginPath();
    for (let i = 0; i < d.x.length; i++) {
      const px = sx(d.x[i] as number);
      const py = sy(d.y[i] as number);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
      signature = (signature + Math.round(py * 10) * (i + 1)) % 1_000_000_007;
    }
    ctx.stroke();
  };
  // A zoomed line runs on to the points just outside the range: cut it at the plot's edges (unzoomed, dots may overhang).
  ctx.save();
  ctx.beginPath();
  const overhang = xRange ? 0 : 4;
  ctx.rect(plot.left - overhang, plot.top - 4, plot.right - plot.left + 2 * overhang, plot.bottom - plot.top + 8);
  ctx.clip();
  for (const { s, d, rawDrawn } of prepared) {
    if (!d.x.length) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    if (rawDrawn) {
      ctx.globalAlpha = 0.25;
      ctx.lineWidth = 1;
      line(rawDrawn);
      ctx.globalAlpha = 1;
    }
    ctx.lineWidth = 1.5;
    line(d);
    if (s.dots || d.x.length === 1) {
      for (let i = 0; i < d.x.length; i++) {
        ctx.beginPath();
        ctx.arc(sx(d.x[i] as number), sy(d.y[i] as number), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    drawn += d.x.length;
  }
  ctx.restore();

  let hover: DrawResult['hover'];
  if (hoverX !== undefined && hoverX >= plot.left && hoverX <= plot.right && xMax > xMin) {
    const target = xMin + ((hoverX - plot.left) / plotWidth) * (xMax - xMin);
    // Snap to the nearest step any series has.
    let step: number | undefined;
    for (const p of prepared) {
      const i = nearestIndex(p.x, target);
      const xi = p.x[i];
      if (i >= 0 && xi !== undefined && (step === undefined || Math.abs(xi - target) < Math.abs(step - target))) step = xi;
    }
    if (step !== undefined) {
      const values: NonNullable<DrawResult['hover']>['values'] = [];
      const px = Math.round(sx(step)) + 0.5;
      ctx.strokeStyle = '#9aa3b2';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(px, plot.top);
      ctx.lineTo(px, plot.bottom);
      ctx.stroke();
      for (const p of prepared) {
        const i = nearestIndex(p.x, step);
        if (i < 0 || p.x[i] !== step) continue;
        const y = p.y[i] as number;
        if (!Number.isFinite(y)) continue;
        ctx.fillStyle = p.s.color;
        ctx.beginPath();
        ctx.arc(px, sy(y), 3.5, 0, 2 * Math.PI);
        ctx.fill();
        const unlog = (v: number) => (logY ? 10 ** v : v);
        values.push({ name: p.s.name, color: p.s.color, y: unlog(y), raw: unlog(p.raw[i] as number) });
      }
      hover = { x: step, values };
    }
  }
  return { drawn, xDomain, yDomain, plot, yLabels, hover, signature };
}
