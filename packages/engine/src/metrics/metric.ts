// The streaming Metric each task's evaluation loop feeds, and which direction of each metric is better.

import { ConfusionMatrix, type LabelArray, type LabelRow, MultiLabelCounts, scoresFromConfusion } from './classification.ts';
import { MetricInputError } from './errors.ts';
import { LossAccumulator } from './language.ts';
import { SquadAccumulator } from './qa.ts';
import { regressionReport } from './regression.ts';
import { EntityCounter, type Id2Label, type TagScheme, tagsFromIds } from './tokens.ts';

/** Accumulates batches, then computes every metric of its task under stable names. */
export interface Metric<P, R> {
  add(predictions: P, references: R): void;
  /** The metrics over everything added since creation or the last reset(); NaN where undefined. */
  compute(): Record<string, number>;
  reset(): void;
}

export interface ClassificationTask {
  task: 'sequence-classification';
  multiLabel?: false;
  numLabels?: number;
  /** Classes the averages run over; see ClassificationOptions.labels. */
  labels?: readonly number[];
}

export interface MultiLabelTask {
  task: 'sequence-classification';
  multiLabel: true;
  numLabels: number;
}

export interface RegressionTask {
  task: 'regression';
}

export interface TokenClassificationTask {
  task: 'token-classification';
  /** Needed when batches carry label ids rather than tag strings. */
  id2label?: Id2Label;
  /** @default 'IOB2' */
  scheme?: TagScheme;
  /** Reference id of positions to leave out. @default -100 */
  ignoreIndex?: number;
}

export interface QuestionAnsweringTask {
  task: 'question-answering';
}

export interface LanguageModelingTask {
  task: 'causal-lm' | 'masked-lm';
}

export type MetricTask =
  | ClassificationTask
  | MultiLabelTask
  | RegressionTask
  | TokenClassificationTask
  | QuestionAnsweringTask
  | LanguageModelingTask;

/** Sentences of tags, or of label ids (with the task's id2label). */
export type TagBatch = readonly (readonly string[])[] | readonly LabelArray[];

/** Keys: accuracy, {precision,recall,f1}_{macro,micro,weighted}. Predictions are class indices (argmax of the logits). */
export function createMetric(spec: ClassificationTask): Metric<LabelArray, LabelArray>;
/** Keys: subset_accuracy, hamming_loss, {precision,recall,f1}_{micro,macro}. Rows of flags (e.g. logit > 0). */
export function createMetric(spec: MultiLabelTask): Metric<readonly LabelRow[], readonly LabelRow[]>;
/** Keys: mse, mae, rmse, pearson, spearman, r2. */
export function createMetric(spec: RegressionTask): Metric<ArrayLike<number>, ArrayLike<number>>;
/** Keys: entity_precision, entity_recall, entity_f1 (micro over entities), token_accuracy, and entity_f1_TYPE per entity type. */
export function createMetric(spec: TokenClassificationTask): Metric<TagBatch, TagBatch>;
/** Keys: exact_match, f1 (percent). Predicted answer texts against each example's gold answer texts. */
export function createMetric(spec: QuestionAnsweringTask): Metric<readonly string[], readonly (readonly string[])[]>;
/** Keys: loss, perplexity. add(batch mean loss, number of tokens it averages). */
export function createMetric(spec: LanguageModelingTask): Metric<number, number>;
export function createMetric(spec: MetricTask): Metric<never, never>;
export function createMetric(spec: MetricTask): Metric<never, never> {
  switch (spec.task) {
    case 'sequence-classification':
      return (spec.multiLabel ? multiLabelMetric(spec) : classificationMetric(spec)) as Metric<never, never>;
    case 'regression':
      return regressionMetric() as Metric<never, never>;
    case 'token-classification':
      return tokenMetric(spec) as Metric<never, never>;
    case 'question-answering':
      return squadMetric() as Metric<never, never>;
    case 'causal-lm':
    case 'masked-lm':
      return lossMetric() as Metric<never, never>;
    default:
      throw new MetricInputError('createMetric', `unknown task ${JSON.stringify((spec as { task: unknown }).task)}`);
  }
}

function classificationMetric(spec: ClassificationTask): Metric<LabelArray, LabelArray> {
  let cm = new ConfusionMatrix(spec.numLabels);
  return {
    add: (p, r) => cm.add(p, r),
    compute: () => {
      const s = scoresFromConfusion(cm.matrix, spec.labels);
      return {
        accuracy: s.accuracy,
        f1_macro: s.macro.f1,
        f1_micro: s.micro.f1,
        f1_weighted: s.weighted.f1,
        precision_macro: s.macro.precision,
        precision_micro: s.micro.precision,
        precision_weighted: s.weighted.precision,
        recall_macro: s.macro.recall,
        recall_micro: s.micro.recall,
        recall_weighted: s.weighted.recall,
      };
    },
    reset: () => {
      cm = new ConfusionMatrix(spec.numLabels);
    },
  };
}

function multiLabelMetric(spec: MultiLabelTask): Metric<readonly LabelRow[], readonly LabelRow[]> {
  let counts = new MultiLabelCounts(spec.numLabels);
  return {
    add: (p, r) => counts.add(p, r),
    compute: () => {
      const s = counts.report();
      return {
        subset_accuracy: s.subsetAccuracy,
        hamming_loss: s.hammingLoss,
        f1_micro: s.micro.f1,
        f1_macro: s.macro.f1,
        precision_micro: s.micro.precision,
        precision_macro: s.macro.precision,
        recall_micro: s.micro.recall,
        recall_macro: s.macro.recall,
      };
    },
    reset: () => {
      counts = new MultiLabelCounts(spec.numLabels);
    },
  };
}

function regressionMetric(): Metric<ArrayLike<number>, ArrayLike<number>> {
  // Spearman needs every value at once, so the pairs are kept; an evaluation set is small next to training.
  let predictions: number[] = [];
  let references: number[] = [];
  return {
    add: (p, r) => {
      if (p.length !== r.length) throw new MetricInputError('regression', `${p.length} predictions but ${r.length} references`);
      for (let i = 0; i < p.length; i++) {
        predictions.push(p[i] as number);
        references.push(r[i] as number);
      }
    },
    // Spread: an interface type has no index signature, so the report is copied into a plain record.
    compute: () => ({ ...regressionReport(predictions, references) }),
    reset: () => {
      predictions = [];
      references = [];
    },
  };
}

/** Names an entity type's F1 among token classification's metrics: `entity_f1_PER`. */
export const ENTITY_TYPE_F1_PREFIX = 'entity_f1_';

const isTagSentence = (s: readonly string[] | LabelArray): s is readonly string[] => typeof s[0] === 'string';

function tokenMetric(spec: TokenClassificationTask): Metric<TagBatch, TagBatch> {
  const options = spec.scheme ? { scheme: spec.scheme } : {};
  let counter = new EntityCounter(options);
  return {
    add: (p, r) => {
      const sentences = [...p, ...r] as (readonly string[] | LabelArray)[];
      // Ids only when some token is not a string; a batch of empty sentences goes through the tag path.
      if (!sentences.some((s) => s.length > 0 && !isTagSentence(s))) {
        counter.add(p as readonly (readonly string[])[], r as readonly (readonly string[])[]);
        return;
      }
      if (!spec.id2label)
        throw new MetricInputError('token classification', 'batches of label ids need id2label in the task; or pass tag strings');
      const tags = tagsFromIds(p as readonly LabelArray[], r as readonly LabelArray[], spec.id2label, {
        ...(spec.ignoreIndex === undefined ? {} : { ignoreIndex: spec.ignoreIndex }),
      });
      counter.add(tags.predictions, tags.references);
    },
    compute: () => {
      const s = counter.report();
      const values: Record<string, number> = {
        entity_precision: s.precision,
        entity_recall: s.recall,
        entity_f1: s.f1,
        token_accuracy: s.tokenAccuracy,
      };
      // Each type's F1 too (seqeval's per-type report): a model can find every person and no place.
      for (const [type, t] of Object.entries(s.perType)) values[`${ENTITY_TYPE_F1_PREFIX}${type}`] = t.f1;
      return values;
    },
    reset: () => {
      counter = new EntityCounter(options);
    },
  };
}

function squadMetric(): Metric<readonly string[], readonly (readonly string[])[]> {
  let acc = new SquadAccumulator();
  return {
    add: (p, r) => acc.add(p, r),
    compute: () => acc.compute(),
    reset: () => {
      acc = new SquadAccumulator();
    },
  };
}

function lossMetric(): Metric<number, number> {
  let acc = new LossAccumulator();
  return {
    add: (loss, tokens) => acc.add(loss, tokens),
    compute: () => acc.compute(),
    reset: () => {
      acc = new LossAccumulator();
    },
  };
}

// Errors and losses: smaller is better. Everything else these metrics report grows with quality.
const LOWER_IS_BETTER = new Set(['loss', 'mse', 'mae', 'rmse', 'perplexity', 'hamming_loss']);

/**
 * Whether a larger value of the named metric is better, for picking the best checkpoint. Accepts the
 * Trainer's "eval_"/"test_" prefixes; any other name ending in "_loss" counts as a loss. Unknown names are
 * taken as greater-is-better, transformers' default for any metric but the loss.
 */
export function greaterIsBetter(metricName: string): boolean {
  const name = metricName.replace(/^(?:eval|test)_/, '');
  return !(LOWER_IS_BETTER.has(name) || name.endsWith('_loss'));
}
