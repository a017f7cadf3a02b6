'use client';
// A canvas line chart for live training curves: redraws when its data version changes, at most once a frame,
// and reads out the nearest values under the pointer. data-points holds the number of points it was given.
import { useEffect, useRef, useState } from 'react';
import { nearestIndex } from '../lib/chart-math.ts';
import { formatValue } from './format.ts';
import { type ChartSeries, type DrawResult, drawLineChart } from './line-chart-draw.ts';

export interface LineChartProps {
  title: string;
  series: readonly ChartSeries[];
  /** Changes whenever the data does (e.g. RunSeries.version); series arrays may be reused in place. */
  version: number;
  height?: number;
  /** What x counts, for the read-out. */
  xLabel?: string;
}

export function LineChart({ title, series, version, height = 200, xLabel = 'step' }: LineChartProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number>();
  const layoutRef = useRef<DrawResult>(undefined);
  const points = series.reduce((a, s) => a + Math.min(s.x.length, s.y.length), 0);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(canvas);
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version stands for the series' contents
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width <= 0) return;
    const frame = requestAnimationFrame(() => {
      const dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      const ctx = canvas.getContext('2d');
      if (ctx) layoutRef.current = drawLineChart(ctx, { width, height, dpr }, series, hover);
    });
    return () => cancelAnimationFrame(frame);
  }, [series, version, width, height, hover]);

  const readout = (() => {
    const layout = layoutRef.current;
    if (hover === undefined || !layout) return undefined;
    const { plot, xDomain } = layout;
    const x = xDomain[0] + ((hover - plot.left) / Math.max(1, plot.right - plot.left)) * (xDomain[1] - xDomain[0]);
    return series
      .map((s) => {
        const i = nearestIndex(s.x, x);
        return i < 0 ? undefined : { name: s.name, color: s.color, x: s.x[i], y: s.y[i] };
      })
      .filter((r) => r !== undefined);
  })();

  return (
    <div className="chart" data-chart={title} data-points={points}>
      <div className="spread">
        <h3>{title}</h3>
        <div className="legend">
          {(readout ?? series).map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} />
              {s.name}
              {'y' in s && typeof s.y === 'number' && ` ${formatValue(s.y)} @ ${xLabel} ${s.x}`}
            </span>
          ))}
        </div>
      </div>
      <canvas
        ref={canvasRef}
        style={{ height }}
        onMouseMove={(e) => setHover(e.clientX - e.currentTarget.getBoundingClientRect().left)}
        onMouseLeave={() => setHover(undefined)}
      />
      {points === 0 && <div className="small muted">no points yet</div>}
    </div>
  );
}
