// Learning-rate schedules against values worked out by hand from Hugging Face's formulas.

import { describe, expect, it } from 'vitest';
import { constantSchedule, cosineSchedule, linearSchedule } from './schedule.ts';

describe('constantSchedule', () => {
  it('returns the same rate at every step', () => {
    const lr = constantSchedule(3e-4);
    expect([0, 1, 1000].map(lr)).toEqual([3e-4, 3e-4, 3e-4]);
  });

  it('rejects a negative or non-finite rate and a bad step', () => {
    expect(() => constantSchedule(-1)).toThrow(RangeError);
    expect(() => constantSchedule(Number.NaN)).toThrow(RangeError);
    expect(() => constantSchedule(1)(-1)).toThrow(/step must be an integer >= 0/);
    expect(() => constantSchedule(1)(0.5)).toThrow(RangeError);
  });
});

describe('linearSchedule', () => {
  // warm-up 0 -> 0.1 over steps 0..9, decay 0.1 -> 0 over steps 10..110.
  const lr = linearSchedule({ peak: 0.1, warmupSteps: 10, totalSteps: 110 });

  it('warms up linearly from 0, HF-style (step 0 gets 0)', () => {
    expect(lr(0)).toBe(0);
    expect(lr(1)).toBeCloseTo(0.01, 15);
    expect(lr(5)).toBeCloseTo(0.05, 15);
    expect(lr(9)).toBeCloseTo(0.09, 15);
  });

  it('decays linearly to 0 at totalSteps and stays there', () => {
    expect(lr(10)).toBe(0.1);
    expect(lr(35)).toBeCloseTo(0.075, 15); // 0.1 * 75 / 100
    expect(lr(60)).toBeCloseTo(0.05, 15);
    expect(lr(109)).toBeCloseTo(0.001, 15);
    expect(lr(110)).toBe(0);
    expect(lr(500)).toBe(0);
  });

  it('decays to `end` when given', () => {
    const withEnd = linearSchedule({ peak: 0.1, warmupSteps: 10, totalSteps: 110, end: 0.01 });
    expect(withEnd(5)).toBeCloseTo(0.05, 15); // warm-up is unchanged
    expect(withEnd(10)).toBeCloseTo(0.1, 15);
    expect(withEnd(60)).toBeCloseTo(0.055, 15); // 0.01 + 0.09 * 0.5
    expect(withEnd(110)).toBeCloseTo(0.01, 15);
    expect(withEnd(1000)).toBeCloseTo(0.01, 15);
  });

  it('starts at peak without warm-up, and handles warmupSteps === totalSteps', () => {
    const noWarmup = linearSchedule({ peak: 2, warmupSteps: 0, totalSteps: 4 });
    expect([0, 1, 2, 3, 4, 5].map(noWarmup)).toEqual([2, 1.5, 1, 0.5, 0, 0]);
    const allWarmup = linearSchedule({ peak: 2, warmupSteps: 4, totalSteps: 4 });
    expect([0, 1, 2, 3, 4, 5].map(allWarmup)).toEqual([0, 0.5, 1, 1.5, 0, 0]);
  });

  it('validates its arguments', () => {
    const ok = { peak: 1, warmupSteps: 2, totalSteps: 10 };
    expect(() => linearSchedule({ ...ok, peak: -1 })).toThrow(/peak must be a finite number >= 0/);
    expect(() => linearSchedule({ ...ok, warmupSteps: -1 })).toThrow(/warmupSteps must be an integer >= 0/);
    expect(() => linearSchedule({ ...ok, warmupSteps: 1.5 })).toThrow(RangeError);
    expect(() => linearSchedule({ ...ok, totalSteps: 0, warmupSteps: 0 })).toThrow(/totalSteps must be an integer > 0/);
    expect(() => linearSchedule({ ...ok, warmupSteps: 11 })).toThrow(/must not exceed totalSteps/);
    expect(() => linearSchedule({ ...ok, end: 2 })).toThrow(/end \(2\) must not exceed peak/);
    expect(() => linearSchedule({ ...ok, warmup: 3 } as never)).toThrow(/unknown option 'warmup'/);
    expect(() => linearSchedule(ok)(Number.NaN)).toThrow(RangeError);
  });
});

describe('cosineSchedule', () => {
  // warm-up 0 -> 1 over steps 0..9, half cosine over steps 10..110.
  const lr = cosineSchedule({ peak: 1, warmupSteps: 10, totalSteps: 110 });

  it('warms up linearly from 0', () => {
    expect(lr(0)).toBe(0);
    expect(lr(4)).toBeCloseTo(0.4, 15);
  });

  it('follows a half cosine from peak to 0', () => {
    expect(lr(10)).toBe(1);
    expect(lr(35)).toBeCloseTo(0.5 + Math.SQRT2 / 4, 15); // progress 1/4: (1 + cos(pi/4)) / 2 = 0.853553...
    expect(lr(35)).toBeCloseTo(0.8535533905932737, 15);
    expect(lr(60)).toBeCloseTo(0.5, 15); // progress 1/2
    expect(lr(85)).toBeCloseTo(0.5 - Math.SQRT2 / 4, 15); // progress 3/4: 0.146446...
    expect(lr(110)).toBeCloseTo(0, 15);
  });

  it('holds its final value after totalSteps (HF would climb back up)', () => {
    expect(lr(111)).toBeCloseTo(0, 15);
    expect(lr(300)).toBeCloseTo(0, 15);
  });

  it('decays to minLr, scaling the cosine between peak and minLr', () => {
    const withMin = cosineSchedule({ peak: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
    expect(withMin(5)).toBeCloseTo(0.5, 15); // warm-up still starts at 0
    expect(withMin(10)).toBeCloseTo(1, 15);
    expect(withMin(60)).toBeCloseTo(0.55, 15); // 0.1 + 0.9 * 0.5
    expect(withMin(110)).toBeCloseTo(0.1, 15);
  });

  it('runs `cycles` periods over the decay', () => {
    const full = cosineSchedule({ peak: 1, warmupSteps: 0, totalSteps: 100, cycles: 1 });
    expect(full(0)).toBe(1);
    expect(full(25)).toBeCloseTo(0.5, 15); // (1 + cos(pi/2)) / 2
    expect(full(50)).toBeCloseTo(0, 15); // (1 + cos(pi)) / 2
    expect(full(75)).toBeCloseTo(0.5, 15);
    expect(full(100)).toBeCloseTo(1, 15);
  });

  it('validates its arguments', () => {
    const ok = { peak: 1, warmupSteps: 2, totalSteps: 10 };
    expect(() => cosineSchedule({ ...ok, cycles: 0 })).toThrow(/cycles must be a finite number > 0/);
    expect(() => cosineSchedule({ ...ok, minLr: 2 })).toThrow(/minLr \(2\) must not exceed peak/);
    expect(() => cosineSchedule({ ...ok, minLr: -0.1 })).toThrow(RangeError);
    expect(() => cosineSchedule({ ...ok, totalSteps: 1 })).toThrow(/must not exceed totalSteps/);
    expect(() => cosineSchedule({ ...ok, peak: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => cosineSchedule({ ...ok, end: 0 } as never)).toThrow(/unknown option 'end'/);
    expect(() => cosineSchedule(ok)(-3)).toThrow(RangeError);
  });
});
