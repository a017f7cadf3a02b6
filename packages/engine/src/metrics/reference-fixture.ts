// Test support: the reference values make_fixtures.py writes, and the relative tolerance they are held to.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Relative tolerance against scikit-learn, scipy and the transcribed seqeval/SQuAD/transformers code. */
export const RELATIVE_TOLERANCE = 1e-12;

// The fixture writes NaN as null (JSON has no NaN).
type Num = number | null;

export interface Averaged {
  precision: Num;
  recall: Num;
  f1: Num;
}

export interface PerClass {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
}

export interface Reference {
  classification: {
    name: string;
    predictions: number[];
    references: number[];
    numLabels?: number;
    labels?: number[];
    expected: { accuracy: Num; macro: Averaged; micro: Averaged; weighted: Averaged; perClass: PerClass; confusion: number[][] };
  }[];
  multiLabel: {
    name: string;
    predictions: boolean[][];
    references: boolean[][];
    expected: { subsetAccuracy: number; hammingLoss: number; micro: Averaged; macro: Averaged; perLabel: PerClass };
  }[];
  regression: {
    name: string;
    predictions: number[];
    references: number[];
    expected: {
      mse: Num;
      mae: Num;
      rmse: Num;
      pearson: Num;
      spearman: Num;
      r2: Num;
      ranksPredictions: number[];
      ranksReferences: number[];
    };
  }[];
  tokens: {
    name: string;
    scheme: 'IOB2' | 'IOBES' | 'BILOU';
    predictions: string[][];
    references: string[][];
    expected: {
      precision: number;
      recall: number;
      f1: number;
      macro: Averaged;
      perType: Record<string, { precision: number; recall: number; f1: number; support: number }>;
      tokenAccuracy: Num;
      trueEntities: number;
      predictedEntities: number;
      correctEntities: number;
      entities: [string, number, number][][];
    };
  }[];
  squad: {
    examples: {
      prediction: string;
      answers: string[];
      normalizedPrediction: string;
      normalizedAnswers: string[];
      exactMatch: number;
      f1: number;
      pairF1: number[];
    }[];
    exact_match: number;
    f1: number;
  };
  spans: {
    name: string;
    startLogits: number[];
    endLogits: number[];
    validMask: boolean[];
    maxAnswerLength: number;
    nBest: number;
    expected: { start: number; end: number; score: number }[];
  }[];
  language: { name: string; losses: number[]; tokens: number[]; expected: { loss: number; perplexity: number } }[];
}

// Regenerate with `/opt/refpy/bin/python packages/engine/fixtures/metrics/make_fixtures.py`.
export const reference: Reference = JSON.parse(readFileSync(new URL('../../fixtures/metrics/expected.json', import.meta.url), 'utf8'));

/** |actual - expected| <= 1e-12 * max(|actual|, |expected|); a null (NaN) reference needs NaN. */
export function expectClose(actual: number, expected: Num, where: string): void {
  if (expected === null) {
    expect(actual, `${where}: expected NaN`).toBeNaN();
    return;
  }
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  const ok = actual === expected || Math.abs(actual - expected) <= RELATIVE_TOLERANCE * scale;
  expect(ok, `${where}: got ${actual}, reference ${expected} (relative error ${Math.abs(actual - expected) / scale})`).toBe(true);
}

export function expectAllClose(actual: readonly number[], expected: readonly Num[], where: string): void {
  expect(actual.length, `${where}: length`).toBe(expected.length);
  for (const [i, a] of actual.entries()) expectClose(a, expected[i] ?? null, `${where}[${i}]`);
}

export function expectAveraged(actual: { precision: number; recall: number; f1: number }, expected: Averaged, where: string): void {
  expectClose(actual.precision, expected.precision, `${where}.precision`);
  expectClose(actual.recall, expected.recall, `${where}.recall`);
  expectClose(actual.f1, expected.f1, `${where}.f1`);
}
