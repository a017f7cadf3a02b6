// Figures the command prints.

import { describe, expect, it } from 'vitest';
import { formatFigure, formatFigures } from './figures.ts';

describe('formatFigure', () => {
  it('drops float noise and keeps what matters', () => {
    expect(formatFigure(269.64999999999986)).toBe('269.6');
    expect(formatFigure(0.81234567)).toBe('0.8123');
    expect(formatFigure(2e-5)).toBe('0.00002');
    expect(formatFigure(128)).toBe('128');
    expect(formatFigure(123456.789)).toBe('123457');
    expect(formatFigure(Number.NaN)).toBe('NaN');
    expect(formatFigures({ eval_loss: 1.0986122886681098, eval_accuracy: 0.5 })).toBe('eval_loss 1.099, eval_accuracy 0.5');
  });
});
