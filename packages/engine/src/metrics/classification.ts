// Single- and multi-label classification metrics with scikit-learn's semantics and zero_division=0.

import { MetricInputError } from './errors.ts';

/** Class indices, one per example: plain numbers, a typed array, or the int64 labels a batch carries. */
export type LabelArray = ArrayLike<number> | BigInt64Array;

/** Precision, recall and F1 of one averaging mode. */
export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class figures, indexed by class. */
export interface ClassScores {
  precision: number[];
  recall: number[];
  f1: number[];
  /** Number of examples whose true class is this one. */
  support: number[];
}

export interface ClassificationReport {
  /** Fraction of examples whose predicted class equals the true class; NaN with no examples. */
  accuracy: number;
  macro: AveragedScores;
  micro: AveragedScores;
  /** Per-class figures averaged with the classes' support as weights. */
  weighted: AveragedScores;
  perClass: ClassScores;
  /** counts[true][predicted], classes 0..numLabels-1 (scikit-learn's row/column convention). */
  confusion: number[][];
  /** The classes the averages run over. */
  labels: number[];
}

export interface ClassificationOptions {
  /** Number of classes; labels must lie in [0, numLabels). Without it the largest label seen sets the size. */
  numLabels?: number;
  /**
   * Classes the macro, micro and weighted averages run over, like scikit-learn's `labels=`. The default is
   * scikit-learn's too: every class that occurs among the true or the predicted labels. Listing a class that
   * never occurs adds a 0 to the macro average (zero_division=0), which is why it is not the default.
   */
  labels?: readonly number[];
}

/** Reads labels into plain numbers, refusing anything that is not a class index. */
export function toClassIndices(metric: string, role: string, values: LabelArray, numLabels?: number): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isSafeInteger(v) || v < 0)
      throw new MetricInputError(metric, `${role}[${i}] is ${values[i]}; class labels must be non-negative integers`);
    if (numLabels !== undefined && v >= numLabels)
      throw new MetricInputError(metric, `${role}[${i}] is ${v}, outside [0, ${numLabels}); check numLabels`);
    out[i] = v;
  }
  return out;
}

function checkNumLabels(metric: string, numLabels: number | undefined): void {
  if (numLabels !== undefined && !(Number.isSafeInteger(numLabels) && numLabels > 0))
    throw new MetricInputError(metric, `numLabels must be a positive integer, got ${numLabels}`);
}

/** x / y, or 0 when y is 0: scikit-learn's zero_division=0. */
const ratio = (x: number, y: number): number => (y === 0 ? 0 : x / y);

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** numpy.average with weights, falling back to the plain mean when every weight is 0, as scikit-learn does. */
function weightedMean(values: readonly number[], weights: readonly number[]): number {
  let s = 0;
  let w = 0;
  values.forEach((v, i) => {
    const wi = weights[i] as number;
    s += v * wi;
    w += wi;
  });
  return w === 0 ? mean(values) : s / w;
}

/** Streaming confusion-matrix counts; classification metrics are all functions of these. */
export class ConfusionMatrix {
  private readonly fixedSize: number | undefined;
  private counts: number[][] = [];
  private total = 0;

  constructor(numLabels?: number) {
    checkNumLabels('ConfusionMatrix', numLabels);
    this.fixedSize = numLabels;
    if (numLabels !== undefined) this.grow(numLabels);
  }

  add(predictions: LabelArray, references: LabelArray): void {
    const name = 'classification';
    if (predictions.length !== references.length)
      throw new MetricInputError(name, `${predictions.length} predictions but ${references.length} references`);
    const p = toClassIndices(name, 'predictions', predictions, this.fixedSize);
    const t = toClassIndices(name, 'references', references, this.fixedSize);
    let max = this.counts.length - 1;
    for (let i = 0; i < p.length; i++) max = Math.max(max, p[i] as number, t[i] as number);
    this.grow(max + 1);
    for (let i = 0; i < p.length; i++) (this.counts[t[i] as number] as number[])[p[i] as number]! += 1;
    this.total += p.length;
  }

  get numLabels(): number {
    return this.counts.length;
  }

  get size(): number {
    return this.total;
  }

  /** A copy: counts[true][predicted]. */
  get matrix(): number[][] {
    return this.counts.map((row) => row.slice());
  }

  private grow(size: number): void {
    for (const row of this.counts) while (row.length < size) row.push(0);
    while (this.counts.length < size) this.counts.push(new Array<number>(size).fill(0));
  }
}

/**
 * Accuracy, per-class and averaged precision/recall/F1 from confusion counts, matching scikit-learn's
 * precision_recall_fscore_support(average=None|'macro'|'micro'|'weighted', zero_division=0): a ratio whose
 * denominator is 0 is 0, and F1 is 2tp / (2tp + fp + fn) as scikit-learn computes it since 1.3.
 */
export function scoresFromConfusion(confusion: readonly (readonly number[])[], labels?: readonly number[]): ClassificationReport {
  const k = confusion.length;
  const tp = new Array<number>(k).fill(0);
  const predSum = new Array<number>(k).fill(0);
  const trueSum = new Array<number>(k).fill(0);
  let total = 0;
  confusion.forEach((row, t) => {
    row.forEach((n, p) => {
      trueSum[t]! += n;
      predSum[p]! += n;
      if (p === t) tp[t] = n;
      total += n;
    });
  });
  const perClass: ClassScores = {
    precision: tp.map((x, i) => ratio(x, predSum[i] as number)),
    recall: tp.map((x, i) => ratio(x, trueSum[i] as number)),
    f1: tp.map((x, i) => ratio(2 * x, (trueSum[i] as number) + (predSum[i] as number))),
    support: trueSum.slice(),
  };
  const chosen = labels ? labels.slice() : [...tp.keys()].filter((i) => (trueSum[i] as number) > 0 || (predSum[i] as number) > 0);
  for (const l of chosen)
    if (!(Number.isSafeInteger(l) && l >= 0 && l < k))
      throw new MetricInputError('classification', `labels lists ${l}, outside [0, ${k}); check numLabels`);

  const pick = (xs: readonly number[]): number[] => chosen.map((l) => xs[l] as number);
  const macro: AveragedScores = chosen.length
    ? { precision: mean(pick(perClass.precision)), recall: mean(pick(perClass.recall)), f1: mean(pick(perClass.f1)) }
    : { precision: Number.NaN, recall: Number.NaN, f1: Number.NaN };
  const weights = pick(trueSum);
  const weighted: AveragedScores = chosen.length
    ? {
        precision: weightedMean(pick(perClass.precision), weights),
        recall: weightedMean(pick(perClass.recall), weights),
        f1: weightedMean(pick(perClass.f1), weights),
      }
    : { precision: Number.NaN, recall: Number.NaN, f1: Number.NaN };
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const [mtp, mpred, mtrue] = [sum(pick(tp)), sum(pick(predSum)), sum(pick(trueSum))];
  const micro: AveragedScores = chosen.length
    ? { precision: ratio(mtp, mpred), recall: ratio(mtp, mtrue), f1: ratio(2 * mtp, mtrue + mpred) }
    : { precision: Number.NaN, recall: Number.NaN, f1: Number.NaN };
  let correct = 0;
  for (let i = 0; i < k; i++) correct += (confusion[i] as readonly number[])[i] as number;
  return {
    accuracy: total === 0 ? Number.NaN : correct / total,
    macro,
    micro,
    weighted,
    perClass,
    confusion: confusion.map((row) => row.slice()),
    labels: chosen,
  };
}

/** Classification metrics of predicted against true class indices; see scoresFromConfusion for the semantics. */
export function classificationReport(
  predictions: LabelArray,
  references: LabelArray,
  options: ClassificationOptions = {},
): ClassificationReport {
  const cm = new ConfusionMatrix(options.numLabels);
  cm.add(predictions, references);
  return scoresFromConfusion(cm.matrix, options.labels);
}

/** One example's labels as a row of flags; numbers count as set when non-zero. */
export type LabelRow = ArrayLike<boolean | number>;

export interface MultiLabelReport {
  /** Fraction of examples whose whole label set is right (scikit-learn's accuracy_score on indicators). */
  subsetAccuracy: number;
  /** Fraction of wrong flags (scikit-learn's hamming_loss). */
  hammingLoss: number;
  micro: AveragedScores;
  /** Averaged over every label column, occurring or not, as scikit-learn does for indicator matrices. */
  macro: AveragedScores;
  perLabel: ClassScores;
}

/** Streaming per-label counts for multi-label classification (a boolean matrix, examples by labels). */
export class MultiLabelCounts {
  readonly numLabels: number;
  private readonly tp: number[];
  private readonly predSum: number[];
  private readonly trueSum: number[];
  private examples = 0;
  private exact = 0;
  private wrong = 0;

  constructor(numLabels: number) {
    checkNumLabels('multi-label classification', numLabels);
    this.numLabels = numLabels;
    this.tp = new Array<number>(numLabels).fill(0);
    this.predSum = new Array<number>(numLabels).fill(0);
    this.trueSum = new Array<number>(numLabels).fill(0);
  }

  add(predictions: readonly LabelRow[], references: readonly LabelRow[]): void {
    const name = 'multi-label classification';
    if (predictions.length !== references.length)
      throw new MetricInputError(name, `${predictions.length} prediction rows but ${references.length} reference rows`);
    // Checked before anything is counted, so a rejected batch leaves the counts as they were.
    predictions.forEach((p, i) => {
      const t = references[i] as LabelRow;
      if (p.length !== this.numLabels || t.length !== this.numLabels)
        throw new MetricInputError(name, `row ${i} has ${p.length} predicted and ${t.length} true flags; expected ${this.numLabels}`);
    });
    predictions.forEach((p, i) => {
      const t = references[i] as LabelRow;
      let mismatches = 0;
      for (let l = 0; l < this.numLabels; l++) {
        const pl = Boolean(p[l]);
        const tl = Boolean(t[l]);
        if (pl) this.predSum[l]! += 1;
        if (tl) this.trueSum[l]! += 1;
        if (pl && tl) this.tp[l]! += 1;
        if (pl !== tl) mismatches++;
      }
      this.wrong += mismatches;
      if (mismatches === 0) this.exact++;
      this.examples++;
    });
  }

  report(): MultiLabelReport {
    const { tp, predSum, trueSum } = this;
    const perLabel: ClassScores = {
      precision: tp.map((x, i) => ratio(x, predSum[i] as number)),
      recall: tp.map((x, i) => ratio(x, trueSum[i] as number)),
      f1: tp.map((x, i) => ratio(2 * x, (trueSum[i] as number) + (predSum[i] as number))),
      support: trueSum.slice(),
    };
    const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
    const [mtp, mpred, mtrue] = [sum(tp), sum(predSum), sum(trueSum)];
    const none = this.examples === 0;
    return {
      subsetAccuracy: none ? Number.NaN : this.exact / this.examples,
      hammingLoss: none ? Number.NaN : this.wrong / (this.examples * this.numLabels),
      micro: none
        ? { precision: Number.NaN, recall: Number.NaN, f1: Number.NaN }
        : { precision: ratio(mtp, mpred), recall: ratio(mtp, mtrue), f1: ratio(2 * mtp, mtrue + mpred) },
      macro: none
        ? { precision: Number.NaN, recall: Number.NaN, f1: Number.NaN }
        : { precision: mean(perLabel.precision), recall: mean(perLabel.recall), f1: mean(perLabel.f1) },
      perLabel,
    };
  }
}

/** Multi-label metrics of a predicted against a true boolean matrix (rows are examples, columns labels). */
export function multiLabelReport(predictions: readonly LabelRow[], references: readonly LabelRow[], numLabels?: number): MultiLabelReport {
  const width = numLabels ?? references[0]?.length ?? predictions[0]?.length ?? 0;
  const counts = new MultiLabelCounts(width);
  counts.add(predictions, references);
  return counts.report();
}
