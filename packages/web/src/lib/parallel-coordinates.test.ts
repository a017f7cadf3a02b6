// The parallel-coordinates layout: linear, logarithmic and categorical axes, and trials without a value.
import { describe, expect, it } from 'vitest';
import { makeAxis, tickLabel, trialLines } from './parallel-coordinates.ts';

describe('parallel-coordinates axes', () => {
  it('places numbers linearly between the smallest and largest seen', () => {
    const a = makeAxis({ name: 'epochs' }, [1, 3, 2]);
    expect([1, 2, 3].map((v) => a.position(v))).toEqual([0, 0.5, 1]);
    expect(a.ticks.map((t) => t.label)).toEqual(['1', '2', '3']);
    expect(a.position('x')).toBeUndefined();
  });

  it('places a log-scale parameter by its logarithm', () => {
    const a = makeAxis({ name: 'learningRate', log: true }, [1e-5, 1e-3, 1e-4]);
    expect(a.position(1e-4)).toBeCloseTo(0.5, 12);
    expect(a.position(0)).toBeUndefined();
    expect(a.ticks.map((t) => t.label)).toEqual(['1.0e−5', '1.0e−4', '0.001']);
  });

  it('spaces choices evenly in their order, and centres a single value', () => {
    const a = makeAxis({ name: 'schedule', values: ['linear', 'cosine', 'constant'] }, []);
    expect(['linear', 'cosine', 'constant', 'other'].map((v) => a.position(v))).toEqual([0, 0.5, 1, undefined]);
    expect(makeAxis({ name: 'epochs' }, [2, 2]).position(2)).toBe(0.5);
  });

  it('gives each trial a point per axis, none where it has no value', () => {
    const axes = [makeAxis({ name: 'r' }, [2, 8]), makeAxis({ name: 'loss' }, [0.5, 1.5])];
    expect(
      trialLines(axes, [
        { id: 'a', values: [2, 1.5] },
        { id: 'b', values: [8, null] },
      ]),
    ).toEqual([
      { id: 'a', points: [0, 1] },
      { id: 'b', points: [1, undefined] },
    ]);
    expect([0.000123, 12345.6, 100000, 0.5].map((v) => tickLabel(v))).toEqual(['1.2e−4', '12300', '1.0e+5', '0.5']);
  });

  it('labels ticks with as many digits as tell them apart (close losses)', () => {
    expect(makeAxis({ name: 'loss' }, [1.7912, 1.7958]).ticks.map((t) => t.label)).toEqual(['1.791', '1.793', '1.796']);
    expect(makeAxis({ name: 'epochs' }, [1, 3]).ticks.map((t) => t.label)).toEqual(['1', '2', '3']);
  });
});
