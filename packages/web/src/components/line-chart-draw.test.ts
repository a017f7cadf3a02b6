// The line chart's drawing cost at 10,000 points per series x 4 series, into a canvas-like mock that counts
// what it is asked to draw: decimation must keep the segments to a few per pixel column. The time is reported,
// not asserted (machines differ).
import { describe, expect, it } from 'vitest';
import { emaSmooth } from '../lib/chart-math.ts';
import { type ChartContext, drawLineChart, PALETTE } from './line-chart-draw.ts';

function recordingContext() {
  const counts = { lineTo: 0, moveTo: 0, stroke: 0, fillText: 0, arc: 0 };
  const ctx = {
    setTransform() {},
    clearRect() {},
    beginPath() {},
    moveTo: () => void counts.moveTo++,
    lineTo: () => void counts.lineTo++,
    stroke: () => void counts.stroke++,
    fillText: () => void counts.fillText++,
    arc: () => void counts.arc++,
    fill() {},
    save() {},
    restore() {},
    rect() {},
    clip() {},
    strokeStyle: '',
    fillStyle: '',
    lineWidth: 1,
    font: '',
    textAlign: 'left',
    textBaseline: 'top',
    globalAlpha: 1,
  } as unknown as ChartContext;
  return { ctx, counts };
}

function noisySeries(name: string, n: number, seed: number, color: string) {
  const x: number[] = [];
  const y: number[] = [];
  let s = seed;
  for (let i = 1; i <= n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    x.push(i);
    y.push(2 * Math.exp(-i / 3000) + (s / 2 ** 31) * 0.2);
  }
  return { name, x, y, color };
}

describe('drawLineChart', () => {
  it('draws 4 series of 10,000 points as a few segments per pixel column, and reports the time', () => {
    const series = [0, 1, 2, 3].map((i) => noisySeries(`s${i}`, 10_000, i + 1, PALETTE[i] as string));
    const layout = { width: 600, height: 220, dpr: 2 };
    const { ctx, counts } = recordingContext();
    drawLineChart(ctx, layout, series); // warm-up
    const rounds = 20;
    const t0 = performance.now();
    let drawn = 0;
    for (let i = 0; i < rounds; i++) drawn = drawLineChart(ctx, layout, series).drawn;
    const ms = (performance.now() - t0) / rounds;
    console.log(`line chart: 4 x 10,000 points -> ${drawn} drawn, ${ms.toFixed(2)} ms per redraw`);
    const plotWidth = 600 - 48 - 12;
    expect(drawn).toBeLessThanOrEqual(4 * 4 * plotWidth);
    expect(drawn).toBeGreaterThan(4 * plotWidth); // every column keeps its extremes
    expect(counts.lineTo / (rounds + 1)).toBeLessThan(4 * 4 * plotWidth + 50);

    // Smoothed (the smoothed line over the raw one), on a log axis, with the crosshair: still decimated.
    const options = { smoothing: 0.9, logY: true, hoverX: 300 };
    const t1 = performance.now();
    let styled = drawLineChart(ctx, layout, series, options);
    for (let i = 1; i < rounds; i++) styled = drawLineChart(ctx, layout, series, options);
    const styledMs = (performance.now() - t1) / rounds;
    console.log(`line chart, smoothed + log + crosshair: ${styled.drawn} drawn, ${styledMs.toFixed(2)} ms per redraw`);
    expect(styled.drawn).toBeLessThanOrEqual(4 * 4 * plotWidth);
    expect(styled.hover?.values).toHaveLength(4);
  });

  it('labels close ticks apart and draws a lone point as a dot', () => {
    const { ctx, counts } = recordingContext();
    const labels: string[] = [];
    ctx.fillText = (text: string) => void labels.push(text);
    drawLineChart(ctx, { width: 300, height: 150, dpr: 1 }, [{ name: 'eval_loss', x: [6, 12], y: [1.8141, 1.8122], color: '#000' }]);
    const yLabels = labels.filter((l) => l.startsWith('1.8'));
    expect(new Set(yLabels).size).toBe(yLabels.length);
    // A narrow range near 1 (a retention curve): as many decimals as the ticks' step has, so the label fits the margin.
    labels.length = 0;
    drawLineChart(ctx, { width: 300, height: 300, dpr: 1 }, [{ name: 'eval_retention', x: [8, 16], y: [1.01182, 1.01132], color: '#000' }]);
    const near1 = labels.filter((l) => l.startsWith('1.01'));
    expect(near1.length).toBeGreaterThan(1);
    expect(new Set(near1).size).toBe(near1.length);
    for (const l of near1) expect(l).toMatch(/^1\.01\d\d$/);
    drawLineChart(ctx, { width: 300, height: 150, dpr: 1 }, [{ name: 'one', x: [6], y: [0.5], color: '#000' }]);
    expect(counts.arc).toBe(1);
  });

  it('zooms, smooths, uses a log axis and reads out the values at the hovered step', () => {
    const { ctx } = recordingContext();
    const layout = { width: 600, height: 220, dpr: 1 };
    const loss = noisySeries('loss', 10_000, 7, '#000');
    const plain = drawLineChart(ctx, layout, [loss]);
    // Zoomed to steps 1,000-2,000: that range (and one point beyond each edge) is all that is drawn.
    const zoomed = drawLineChart(ctx, layout, [loss], { xRange: [1000, 2000] });
    expect(zoomed.xDomain).toEqual([1000, 2000]);
    expect(zoomed.drawn).toBeLessThanOrEqual(4 * (600 - 48 - 12));
    expect(zoomed.signature).not.toBe(plain.signature);
    // Smoothing draws the smoothed line over the faint raw one: a different picture; 0 changes nothing.
    expect(drawLineChart(ctx, layout, [loss], { smoothing: 0 }).signature).toBe(plain.signature);
    expect(drawLineChart(ctx, layout, [loss], { smoothing: 0.9 }).signature).not.toBe(plain.signature);
    // A log axis labels powers of ten when the values span decades.
    const lr = { name: 'lr', x: [1, 2, 3, 4], y: [1e-5, 1e-4, 1e-3, 3e-3], color: '#000' };
    expect(drawLineChart(ctx, layout, [lr], { logY: true }).yLabels).toEqual(['1e-5', '1e-4', '0.001', '0.01']);
    // The crosshair snaps to the nearest step and reads each series there, smoothed and raw.
    const at = (step: number, r: ReturnType<typeof drawLineChart>) =>
      r.plot.left + ((step - r.xDomain[0]) / (r.xDomain[1] - r.xDomain[0])) * (r.plot.right - r.plot.left);
    const raw = drawLineChart(ctx, layout, [lr], { hoverX: at(3, drawLineChart(ctx, layout, [lr])) });
    expect(raw.hover?.x).toBe(3);
    expect(raw.hover?.values).toEqual([{ name: 'lr', color: '#000', y: 1e-3, raw: 1e-3 }]);
    const smooth = drawLineChart(ctx, layout, [lr], { hoverX: at(3, raw), smoothing: 0.5 })?.hover?.values[0];
    expect(smooth?.raw).toBe(1e-3);
    expect(smooth?.y).toBeCloseTo(emaSmooth(lr.y, 0.5)[2] as number, 15);
  });
});
