'use client';
// A canvas line chart for live training curves: redraws when its data version changes, at most once a frame;
// a crosshair reads out every series' value at the step under the pointer; drag across it to zoom into a step
// range (double-click resets); a log toggle for the y axis; the page's smoothing slider smooths its lines.
// For tests and tools: data-points is the number of points given, data-drawn the points drawn, data-y-ticks the
// y axis' labels and data-signature a checksum of the drawn lines.
import { type MouseEvent, useEffect, useRef, useState } from 'react';
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
  /** TensorBoard's EMA weight in [0, 1) for lines (see SmoothingControl). @default 0 */
  smoothing?: number;
}

/** Drags shorter than this are clicks, not zooms. */
const MIN_DRAG_PX = 5;

export function LineChart({ title, series, version, height = 200, xLabel = 'step', smoothing = 0 }: LineChartProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number>();
  const [logY, setLogY] = useState(false);
  const [xRange, setXRange] = useState<[number, number]>();
  const [drag, setDrag] = useState<{ from: number; to: number }>();
  const [drawn, setDrawn] = useState<DrawResult>();
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
      if (!ctx) return;
      const result = drawLineChart(ctx, { width, height, dpr }, series, { hoverX: hover, xRange, logY, smoothing });
      layoutRef.current = result;
      setDrawn(result);
    });
    return () => cancelAnimationFrame(frame);
  }, [series, version, width, height, hover, xRange, logY, smoothing]);

  const offsetX = (e: MouseEvent<HTMLElement>) => e.clientX - e.currentTarget.getBoundingClientRect().left;
  /** The step at a pixel offset, by the last drawn layout. */
  const stepAt = (px: number): number | undefined => {
    const layout = layoutRef.current;
    if (!layout) return undefined;
    const { plot, xDomain } = layout;
    const f = Math.min(1, Math.max(0, (px - plot.left) / Math.max(1, plot.right - plot.left)));
    return xDomain[0] + f * (xDomain[1] - xDomain[0]);
  };

  const endDrag = () => {
    if (drag && Math.abs(drag.to - drag.from) >= MIN_DRAG_PX) {
      const a = stepAt(Math.min(drag.from, drag.to));
      const b = stepAt(Math.max(drag.from, drag.to));
      if (a !== undefined && b !== undefined && b > a) setXRange([a, b]);
    }
    setDrag(undefined);
  };

  const readout = drawn?.hover;
  return (
    <div
      className="chart"
      data-chart={title}
      data-points={points}
      data-series={series.map((s) => s.name).join('|')}
      data-drawn={drawn?.drawn ?? 0}
      data-y-ticks={drawn?.yLabels.join(' ') ?? ''}
      data-signature={drawn?.signature ?? 0}
      data-zoomed={xRange ? `${xRange[0]}-${xRange[1]}` : undefined}
      data-log={logY ? 'y' : undefined}
    >
      <div className="spread">
        <h3 title={title}>{title}</h3>
        <div className="row chart-tools">
          {xRange && (
            <button
              type="button"
              className="link small"
              onClick={() => setXRange(undefined)}
              title="Show every step (or double-click the chart)"
            >
              reset zoom
            </button>
          )}
          <label className="check small" title="Logarithmic y axis">
            <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} aria-label={`${title}: log scale`} /> log
          </label>
        </div>
      </div>
      <div className="legend" data-testid="chart-readout">
        {readout ? (
          <>
            <span className="muted">
              {xLabel} {readout.x}
            </span>
            {readout.values.map((v) => (
              <span key={v.name} data-series={v.name} data-value={v.y}>
                <i style={{ background: v.color }} />
                {v.name} <strong>{formatValue(v.y)}</strong>
                {smoothing > 0 && v.raw !== v.y && <span className="muted"> (raw {formatValue(v.raw)})</span>}
              </span>
            ))}
          </>
        ) : (
          series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} />
              {s.name}
            </span>
          ))
        )}
      </div>
      <div ref={boxRef} className="chart-canvas">
        <canvas
          ref={canvasRef}
          style={{ height }}
          onMouseDown={(e) => {
            if (e.button !== 0) return;
            e.preventDefault();
            const x = offsetX(e);
            setDrag({ from: x, to: x });
          }}
          onMouseMove={(e) => {
            const x = offsetX(e);
            setHover(x);
            if (drag) setDrag({ ...drag, to: x });
          }}
          onMouseUp={endDrag}
          onMouseLeave={() => {
            setHover(undefined);
            setDrag(undefined);
          }}
          onDoubleClick={() => setXRange(undefined)}
        />
        {drag && Math.abs(drag.to - drag.from) >= MIN_DRAG_PX && (
          <div className="chart-selection" style={{ left: Math.min(drag.from, drag.to), width: Math.abs(drag.to - drag.from), height }} />
        )}
      </div>
      {points === 0 && <div className="small muted">no points yet</div>}
    </div>
  );
}

/** The page-wide smoothing slider, as TensorBoard's: 0 draws the raw values, 0.99 a heavy moving average. */
export function SmoothingControl({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <label className="row small smoothing" htmlFor="chart-smoothing">
      <span>Smoothing</span>
      <input
        id="chart-smoothing"
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <output className="num" htmlFor="chart-smoothing">
        {value.toFixed(2)}
      </output>
    </label>
  );
}
