'use client';
// A parallel-coordinates plot of a sweep's trials (SVG): one axis per parameter and one for the objective, a line
// per trial coloured from worst to best objective; the promoted trial is drawn thick, pruned and unfinished ones
// dashed (their objective axis shows their best evaluation so far). Hovering a line names its trial.
import { useMemo, useState } from 'react';
import { type AxisSpec, makeAxis, trialLines } from '../lib/parallel-coordinates.ts';

export interface PlotTrial {
  id: string;
  label: string;
  /** One value per parameter axis, then the objective (or null). */
  values: unknown[];
  /** Finished with an objective: drawn solid; otherwise dashed. */
  final: boolean;
  promoted: boolean;
}

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { top: 28, bottom: 24, left: 60, right: 60 };

/** From red (worst) through amber to green (best). */
function colorAt(f: number): string {
  const hue = Math.round(Math.max(0, Math.min(1, f)) * 120);
  return `hsl(${hue} 65% 42%)`;
}

export function ParallelCoordinates({
  axes: specs,
  trials,
  greaterIsBetter,
}: {
  axes: AxisSpec[];
  trials: PlotTrial[];
  greaterIsBetter: boolean;
}) {
  const [hover, setHover] = useState<string>();
  const axes = useMemo(
    () =>
      specs.map((spec, i) =>
        makeAxis(
          spec,
          trials.map((t) => t.values[i]),
        ),
      ),
    [specs, trials],
  );
  const lines = useMemo(() => trialLines(axes, trials), [axes, trials]);
  const step = axes.length > 1 ? (WIDTH - PAD.left - PAD.right) / (axes.length - 1) : 0;
  const x = (i: number) => PAD.left + i * step;
  const y = (f: number) => PAD.top + (1 - f) * (HEIGHT - PAD.top - PAD.bottom);
  const objective = axes.length - 1;
  const hovered = trials.find((t) => t.id === hover);
  return (
    <div data-testid="parallel-coordinates" data-trials={trials.length} data-axes={axes.map((a) => a.name).join(',')}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label="parallel coordinates of the trials">
        {lines.map((line, t) => {
          const trial = trials[t] as PlotTrial;
          const o = line.points[objective];
          // The objective axis runs from the smallest value up: for a loss, the best is at the bottom.
          const goodness = o === undefined ? 0.5 : greaterIsBetter ? o : 1 - o;
          const d = line.points
            .map((p, i) => (p === undefined ? null : `${x(i).toFixed(1)},${y(p).toFixed(1)}`))
            .filter((p) => p !== null)
            .join(' L ');
          if (!d) return null;
          return (
            // biome-ignore lint/a11y/noStaticElementInteractions: hovering only highlights a line; the trials table lists the same figures
            <path
              key={line.id}
              d={`M ${d}`}
              fill="none"
              stroke={trial.final ? colorAt(goodness) : '#999'}
              strokeWidth={trial.promoted ? 4 : hover === line.id ? 3 : 1.6}
              strokeDasharray={trial.final ? undefined : '5 4'}
              opacity={hover && hover !== line.id ? 0.25 : 0.9}
              data-trial={trial.label}
              onMouseEnter={() => setHover(line.id)}
              onMouseLeave={() => setHover(undefined)}
            >
              <title>{trial.label}</title>
            </path>
          );
        })}
        {axes.map((a, i) => (
          <g key={a.name}>
            <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#444" />
            <text x={x(i)} y={PAD.top - 12} textAnchor="middle" fontSize="12" fontWeight={i === objective ? 700 : 400}>
              {a.name}
              {a.log ? ' (log)' : ''}
            </text>
            {a.ticks.map((t) => (
              // The last axis (the objective) is labelled on its right, clear of the lines arriving at it.
              <text
                key={`${t.at}`}
                x={i === objective && i > 0 ? x(i) + 5 : x(i) - 5}
                y={y(t.at) + 4}
                textAnchor={i === objective && i > 0 ? 'start' : 'end'}
                fontSize="10"
                fill="#555"
              >
                {t.label}
              </text>
            ))}
          </g>
        ))}
      </svg>
      <div className="small muted" style={{ minHeight: '1.4em' }}>
        {hovered ? hovered.label : 'Each line is a trial; hover one to name it. Dashed: pruned or unfinished (best evaluation so far).'}
      </div>
    </div>
  );
}
