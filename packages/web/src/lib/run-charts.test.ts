import { describe, expect, it } from 'vitest';
import { mergeIdentical, planRunCharts } from './run-charts.ts';

// Single-label classification's metrics at two evaluations: accuracy equals micro precision, recall and F1 and
// weighted recall by definition (here with float rounding between them).
const acc = [0.25, 0.5];
const SERIES: Record<string, number[]> = {
  loss: [1.8, 1.7, 1.6, 1.5],
  learning_rate: [1e-3, 1e-3, 5e-4, 0],
  grad_norm: [1, 0.9, 0.8, 0.7],
  tokens_per_s: [100, 110, 120, 115],
  eval_loss: [1.75, 1.55],
  eval_accuracy: acc,
  eval_precision_macro: [0.1, 0.3],
  eval_recall_macro: [0.2, 0.4],
  eval_f1_macro: [0.12, 0.33],
  eval_precision_micro: acc,
  eval_recall_micro: acc,
  eval_f1_micro: [0.25, 0.5000000000000001],
  eval_precision_weighted: [0.11, 0.31],
  eval_recall_weighted: acc,
  eval_f1_weighted: [0.13, 0.35],
};
const get = (n: string) => {
  const y = SERIES[n] ?? [];
  return { x: y.length === 2 ? [2, 4] : [1, 2, 3, 4], y };
};

describe('planRunCharts', () => {
  it('draws the five equal metrics of single-label classification once, and groups the rest', () => {
    const plans = planRunCharts(Object.keys(SERIES), get);
    expect(plans.map((p) => p.title)).toEqual([
      'Loss',
      'Validation accuracy = precision_micro = recall_micro = f1_micro = recall_weighted',
      'Validation, macro average',
      'Validation, weighted average',
      'Learning rate',
      'Gradient norm',
      'Tokens per second',
    ]);
    expect(plans[0]?.series.map((s) => s.name)).toEqual(['loss', 'eval_loss']);
    expect(plans[2]?.series.map((s) => s.label)).toEqual(['precision', 'recall', 'f1']);
    expect(plans[3]?.series.map((s) => s.label)).toEqual(['precision', 'f1']);
    // Every series is drawn exactly once.
    const drawn = plans.flatMap((p) => p.series.map((s) => s.name));
    expect(new Set(drawn).size).toBe(drawn.length);
  });

  it("draws the retention check's figures in charts of their own, after the task's metrics", () => {
    const withRetention: Record<string, number[]> = { ...SERIES, eval_retention: [0.99, 0.98], eval_retention_loss: [5.7, 5.72] };
    const plans = planRunCharts(Object.keys(withRetention), (n) => ({ x: [2, 4], y: withRetention[n] ?? [] }));
    const validation = plans.filter((p) => p.section === 'validation');
    expect(validation.slice(-2).map((p) => [p.title, p.series.map((s) => s.name)])).toEqual([
      ['Retention (1 = as the base model)', ['eval_retention']],
      ['Retention: language-modelling loss on held-back texts', ['eval_retention_loss']],
    ]);
    const drawn = plans.flatMap((p) => p.series.map((s) => s.name));
    expect(drawn.filter((n) => n.startsWith('eval_retention'))).toEqual(['eval_retention', 'eval_retention_loss']);
  });

  it('charts entity precision, recall and F1 together and each entity type F1 together, even when equal', () => {
    const ner: Record<string, number[]> = {
      loss: [1.5, 0.2],
      eval_loss: [0.4],
      eval_entity_precision: [0.78],
      eval_entity_recall: [0.78],
      eval_entity_f1: [0.78],
      eval_token_accuracy: [0.98],
      eval_entity_f1_LOC: [0],
      eval_entity_f1_PER: [0.82],
      eval_entity_f1_MISC: [0],
    };
    const plans = planRunCharts(Object.keys(ner), (n) => ({ x: (ner[n] ?? []).map((_, i) => i + 1), y: ner[n] ?? [] }));
    expect(plans.map((p) => p.title)).toEqual([
      'Loss',
      'Validation entities (token classification)',
      'Validation entity F1 by type',
      'Validation token_accuracy',
    ]);
    expect(plans[1]?.series.map((s) => s.label)).toEqual(['precision', 'recall', 'f1']);
    expect(plans[2]?.series.map((s) => [s.name, s.label])).toEqual([
      ['eval_entity_f1_LOC', 'LOC'],
      ['eval_entity_f1_PER', 'PER'],
      ['eval_entity_f1_MISC', 'MISC'],
    ]);
  });

  it('charts exact match and F1 of question answering together', () => {
    const qa: Record<string, number[]> = { loss: [3, 1], eval_loss: [1.2], eval_exact_match: [80], eval_f1: [86] };
    const plans = planRunCharts(Object.keys(qa), (n) => ({ x: (qa[n] ?? []).map((_, i) => i + 1), y: qa[n] ?? [] }));
    expect(plans.map((p) => p.title)).toEqual(['Loss', 'Validation exact match and F1 (%)']);
    expect(plans[1]?.series.map((s) => [s.name, s.label])).toEqual([
      ['eval_exact_match', 'exact_match'],
      ['eval_f1', 'f1'],
    ]);
  });

  it('keeps apart series that differ at any point, and those without points', () => {
    expect(mergeIdentical(['a', 'b', 'c'], (n) => [{ x: [1, 2], y: n === 'c' ? [1, 3] : [1, 2] }])).toEqual([['a', 'b'], ['c']]);
    expect(mergeIdentical(['a', 'b'], () => [{ x: [], y: [] }])).toEqual([['a'], ['b']]);
    // On the compare page a name stands for one series per run: all must match.
    expect(
      mergeIdentical(['a', 'b'], (n) => [
        { x: [1], y: [1] },
        { x: [1], y: [n === 'a' ? 1 : 2] },
      ]),
    ).toEqual([['a'], ['b']]);
  });
});
