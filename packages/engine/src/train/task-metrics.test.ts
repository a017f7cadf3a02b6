// The metric names a run may choose (TASK_METRICS) are exactly what each task's evaluation reports, and a
// name it does not report is refused with the task's list and the name likely meant.

import { describe, expect, it } from 'vitest';
import { ENTITY_TYPE_F1_PREFIX } from '../metrics/index.ts';
import { TASKS } from '../models/config.ts';
import type { Example } from './batching.ts';
import { metricProblem, metricsFor, TASK_METRICS } from './task-metrics.ts';
import type { ExampleOutputs } from './trainer.ts';

const logits = (...v: number[]) => Float32Array.from(v);

/** Two examples of each task with outputs, as the trainer's evaluation hands them to metricsFor. */
const CASES: Partial<Record<(typeof TASKS)[number], { examples: Example[]; outputs: ExampleOutputs[]; labels?: string[] }>> = {
  'sequence-classification': {
    examples: [
      { inputIds: [1, 2], label: 0 },
      { inputIds: [1, 3], label: 1 },
    ],
    outputs: [{ logits: logits(2, 1) }, { logits: logits(0, 1) }],
    labels: ['a', 'b'],
  },
  regression: {
    examples: [
      { inputIds: [1], label: 0.5 },
      { inputIds: [2], label: 1.5 },
    ],
    outputs: [{ logits: logits(0.4) }, { logits: logits(1.7) }],
  },
  'token-classification': {
    examples: [{ inputIds: [1, 2, 3], label: [0, 1, 2] }],
    outputs: [{ logits: logits(1, 0, 0, 0, 1, 0, 0, 0, 1) }],
    labels: ['O', 'B-X', 'I-X'],
  },
  'question-answering': {
    examples: [
      {
        inputIds: [1, 2, 3],
        qa: {
          context: 'in the park',
          offsets: [
            [0, 2],
            [3, 6],
            [7, 11],
          ],
          answers: ['the park'],
          contextTokenRange: [0, 2],
        },
      },
    ],
    outputs: [{ startLogits: logits(0, 5, 0), endLogits: logits(0, 0, 5) }],
  },
};

describe('task metrics', () => {
  it("name exactly what each task's evaluation reports, besides the loss", () => {
    for (const [task, c] of Object.entries(CASES) as [keyof typeof CASES, NonNullable<(typeof CASES)[keyof typeof CASES]>][]) {
      const values = metricsFor(task, { labels: c.labels })(c.examples, c.outputs);
      // Per-type entity F1s are named by the data's tags (here X), so they are outside the fixed list.
      const fixed = Object.keys(values).filter((k) => !k.startsWith(ENTITY_TYPE_F1_PREFIX));
      expect(['loss', ...fixed].sort(), task).toEqual([...TASK_METRICS[task]].sort());
    }
    const tokens = CASES['token-classification'];
    expect(metricsFor('token-classification', { labels: tokens?.labels })(tokens?.examples ?? [], tokens?.outputs ?? [])).toHaveProperty(
      'entity_f1_X',
      1,
    );
    // Language modelling reports its loss and perplexity only (trainer.ts evaluate).
    expect(TASK_METRICS['causal-lm']).toEqual(['loss', 'perplexity']);
    expect(TASK_METRICS['masked-lm']).toEqual(['loss', 'perplexity']);
    for (const task of TASKS) expect(TASK_METRICS[task], task).toContain('loss');
  });

  it('refuse a name the task does not report, listing the valid ones and the one likely meant', () => {
    expect(metricProblem('sequence-classification', 'accuracy')).toBeUndefined();
    expect(metricProblem('regression', 'loss')).toBeUndefined();
    expect(metricProblem('sequence-classification', 'bogus')).toBe(
      `sequence-classification has no metric 'bogus'; its metrics are ${TASK_METRICS['sequence-classification'].join(', ')}`,
    );
    expect(metricProblem('token-classification', 'entity-f1')).toContain("(did you mean 'entity_f1'?)");
    // A metric of another task is no metric of this one.
    expect(metricProblem('causal-lm', 'accuracy')).toBe("causal-lm has no metric 'accuracy'; its metrics are loss, perplexity");
  });
});
