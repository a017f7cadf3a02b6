// Turns a model's evaluation outputs into its task's metrics (scikit-learn, seqeval and SQuAD
// definitions, from metrics/), for the trainer's validation and test passes.

import { bestSpan, createMetric } from '../metrics/index.ts';
import type { Task } from '../models/config.ts';
import { type Example, IGNORE_INDEX } from './batching.ts';
import { closestName } from './spelling.ts';
import type { ExampleOutputs, MetricsFn } from './trainer.ts';

const LANGUAGE_MODELLING = ['loss', 'perplexity'];

/**
 * What an evaluation of each task reports (the loss always): the names `training.metric` may choose from.
 * A test holds it to what metricsFor computes. Token classification also reports each entity type's F1
 * (`entity_f1_PER`...), named by the data's tags, which is why those are not listed here.
 */
export const TASK_METRICS: Readonly<Record<Task, readonly string[]>> = {
  'sequence-classification': [
    'loss',
    'accuracy',
    'f1_macro',
    'f1_micro',
    'f1_weighted',
    'precision_macro',
    'precision_micro',
    'precision_weighted',
    'recall_macro',
    'recall_micro',
    'recall_weighted',
  ],
  regression: ['loss', 'mse', 'mae', 'rmse', 'pearson', 'spearman', 'r2'],
  'token-classification': ['loss', 'entity_precision', 'entity_recall', 'entity_f1', 'token_accuracy'],
  'question-answering': ['loss', 'exact_match', 'f1'],
  'causal-lm': LANGUAGE_MODELLING,
  'masked-lm': LANGUAGE_MODELLING,
};

/** Why `metric` cannot pick the best weights of a `task` run (with a likely meant name), or undefined when it can. */
export function metricProblem(task: Task, metric: string): string | undefined {
  const known = TASK_METRICS[task];
  if (known.includes(metric)) return undefined;
  const near = closestName(metric, known);
  return `${task} has no metric '${metric}'${near ? ` (did you mean '${near}'?)` : ''}; its metrics are ${known.join(', ')}`;
}

function argmax(v: Float32Array, from: number, to: number): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best - from;
}

export interface TaskMetricsOptions {
  /** Label names by id (classification, token classification). */
  labels?: readonly string[];
}

export function metricsFor(task: Task, options: TaskMetricsOptions = {}): MetricsFn {
  return (examples: readonly Example[], outputs: readonly ExampleOutputs[]) => {
    switch (task) {
      case 'sequence-classification': {
        const m = createMetric({ task, numLabels: options.labels?.length });
        const preds = outputs.map((o) => argmax(o.logits as Float32Array, 0, (o.logits as Float32Array).length));
        m.add(
          preds,
          examples.map((e) => e.label as number),
        );
        return m.compute();
      }
      case 'regression': {
        const m = createMetric({ task });
        m.add(
          outputs.map((o) => o.logits?.[0] as number),
          examples.map((e) => e.label as number),
        );
        return m.compute();
      }
      case 'token-classification': {
        const id2label = options.labels ? Object.fromEntries(options.labels.map((l, i) => [i, l])) : undefined;
        const m = createMetric({ task, id2label });
        const preds: number[][] = [];
        const refs: number[][] = [];
        examples.forEach((e, i) => {
          const logits = outputs[i]?.logits as Float32Array;
          const c = logits.length / e.inputIds.length;
          const p: number[] = [];
          const r: number[] = [];
          (e.label as readonly number[]).forEach((l, t) => {
            if (l === IGNORE_INDEX) return;
            p.push(argmax(logits, t * c, (t + 1) * c));
            r.push(l);
          });
          preds.push(p);
          refs.push(r);
        });
        m.add(preds, refs);
        return m.compute();
      }
      case 'question-answering': {
        const m = createMetric({ task });
        const texts = examples.map((e, i) => {
          const o = outputs[i] as ExampleOutputs;
          if (!e.qa) throw new Error('question-answering evaluation needs examples with their context (Example.qa)');
          const [first, last] = e.qa.contextTokenRange;
          const valid = Array.from({ length: e.inputIds.length }, (_, t) => t >= first && t <= last);
          const span = bestSpan(o.startLogits as Float32Array, o.endLogits as Float32Array, { validMask: valid });
          if (!span) return '';
          const start = e.qa.offsets[span.start]?.[0] ?? 0;
          const end = e.qa.offsets[span.end]?.[1] ?? start;
          return e.qa.context.slice(start, end);
        });
        m.add(
          texts,
          examples.map((e) => e.qa?.answers ?? []),
        );
        return m.compute();
      }
      default:
        return {};
    }
  };
}
