// Drawing one line chart onto a 2D canvas context: axes with round ticks, and each series decimated to the pixel
// columns it spans (lib/chart-math.ts), so 10,000 points per series cost a few thousand line segments.
import { decimate, extent, formatTick, niceTicks, scaleLinear } from '../lib/chart-math.ts';

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
>;

export interface ChartLayout {
  width: number;
  height: number;
  /** Device pixels per CSS pixel. */
  dpr: number;
}

export const PALETTE = ['#3056d3', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

const PAD = { left: 48, right: 12, top: 10, bottom: 22 };

export interface DrawResult {
  /** Points drawn after decimation, all series. */
  drawn: number;
  /** x and y domains, for hover read-outs. */
  xDomain: [number, number];
  yDomain: [number, number];
  plot: { left: number; right: number; top: number; bottom: number };
}

/** Short tick labels; where three significant digits would print two ticks alike (1.805, 1.81), as many decimals as the step needs. */
function tickLabels(ticks: readonly number[]): string[] {
  const short = ticks.map(formatTick);
  if (new Set(short).size === short.length) return short;
  const step = ticks.length > 1 ? Math.abs((ticks[1] as number) - (ticks[0] as number)) : 1;
  const decimals = Math.min(20, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  return ticks.map((t) => t.toFixed(decimals));
}

export function drawLineChart(ctx: ChartContext, layout: ChartLayout, series: readonly ChartSeries[], hoverX?: number): DrawResult {
  const { width, height, dpr } = layout;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const plot = { left: PAD.left, right: width - PAD.right, top: PAD.top, bottom: height - PAD.bottom };
  const plotWidth = Math.max(1, plot.right - plot.left);

  const decimated = series.map((s) => ({ s, d: decimate(s.x, s.y, plotWidth) }));
  const xs = decimated.flatMap(({ d }) => (d.x.length ? [d.x[0] as number, d.x[d.x.length - 1] as number] : []));
  const ys = decimated.flatMap(({ d }) => d.y);
  const [xMin, xMax] = extent(xs);
  const [yMin, yMax] = extent(ys);
  const yTicks = niceTicks(yMin, yMax, Math.max(2, Math.floor((plot.bottom - plot.top) / 40)));
  const xTicks = niceTicks(xMin, xMax, Math.max(2, Math.floor(plotWidth / 80)));
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
  const yLabels = tickLabels(yTicks);
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
  for (const { s, d } of decimated) {
    if (!d.x.length) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(sx(d.x[0] as number), sy(d.y[0] as number));
    for (let i = 1; i < d.x.length; i++) ctx.lineTo(sx(d.x[i] as number), sy(d.y[i] as number));
    ctx.stroke();
    if (s.dots || d.x.length === 1) {
      for (let i = 0; i < d.x.length; i++) {
        ctx.beginPath();
        ctx.arc(sx(d.x[i] as number), sy(d.y[i] as number), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    drawn += d.x.length;
  }

  if (hoverX !== undefined && hoverX >= plot.left && hoverX <= plot.right) {
    ctx.strokeStyle = '#9aa3b2';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(hoverX) + 0.5, plot.top);
    ctx.lineTo(Math.round(hoverX) + 0.5, plot.bottom);
    ctx.stroke();
  }
  return { drawn, xDomain, yDomain, plot };
}
