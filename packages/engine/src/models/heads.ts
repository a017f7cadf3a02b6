// Pieces the task heads share: poolers, and each task's loss with Hugging Face's semantics.

import type { Graph, Tensor } from '../graph/graph.ts';
import { add, argmax, cast, equal, gather, mul, reduceSum, reshape, slice, where } from '../graph/ops.ts';
import { bceWithLogits, crossEntropy, mse } from '../losses.ts';
import { positions } from '../nn/attention.ts';
import type { TaskOutputs } from './architecture.ts';
import type { Task } from './config.ts';

/** (B, T, C) -> (B, C): the first token ([CLS] or <s>). */
export function firstToken(x: Tensor): Tensor {
  return reshape(slice(x, 1, 0, 1), [0, -1]);
}

/**
 * (B, T, C) -> (B, C): the last token that is not padding, found from the ids as transformers does
 * for decoder models; with no pad token, the last position.
 */
export function lastToken(x: Tensor, inputIds: Tensor, padTokenId: number | undefined, maxLength: number): Tensor {
  const g = x.graph;
  const pos = positions(g, maxLength, inputIds); // (T)
  const last =
    padTokenId === undefined
      ? argmax(add(mul(inputIds, 0), reshape(pos, [1, -1])), -1)
      : argmax(where(equal(inputIds, padTokenId), g.scalar(0, 'int64'), reshape(pos, [1, -1])), -1); // (B)
  const pick = cast(equal(reshape(pos, [1, -1]), reshape(last, [-1, 1])), x.dtype); // (B, T)
  return reduceSum(mul(x, reshape(pick, [0, -1, 1])), { axes: [1] });
}

/** (B, T, C) -> (B, P, C): the hidden states at `positions` (B, P), or all of them without positions. */
export function atPositions(h: Tensor, positions: Tensor | undefined): Tensor {
  if (!positions) return h;
  const [b, t, c] = h.shape as [number, number, number];
  const rowStart = h.graph.constant(
    BigInt64Array.from({ length: b }, (_, i) => BigInt(i * t)),
    [b, 1],
    'row_start',
  );
  return gather(reshape(h, [b * t, c]), add(positions, rowStart));
}

/** Graph inputs that carry a task's labels during training (`predictions`: masked-LM labels per sequence). */
export function labelInputs(
  g: Graph,
  task: Task,
  batch: number,
  length: number,
  numLabels: number,
  predictions?: number,
): Record<string, Tensor> {
  switch (task) {
    case 'sequence-classification':
      return { labels: g.input('labels', 'int64', [batch]) };
    case 'regression':
      return { labels: g.input('labels', 'float32', numLabels === 1 ? [batch] : [batch, numLabels]) };
    case 'masked-lm':
      return { labels: g.input('labels', 'int64', [batch, predictions ?? length]) };
    case 'token-classification':
    case 'causal-lm':
      return { labels: g.input('labels', 'int64', [batch, length]) };
    case 'question-answering':
      return { start_positions: g.input('start_positions', 'int64', [batch]), end_positions: g.input('end_positions', 'int64', [batch]) };
  }
}

export interface LossOptions {
  /** Multi-label classification (BCE over independent labels) instead of softmax. */
  multiLabel?: boolean;
  labelSmoothing?: number;
}

/** The loss transformers computes for each head, given the label inputs from labelInputs. */
export function taskLoss(task: Task, out: TaskOutputs, labels: Record<string, Tensor>, options: LossOptions = {}): Tensor {
  const need = (t: Tensor | undefined, what: string): Tensor => {
    if (!t) throw new Error(`the ${task} head produced no ${what}`);
    return t;
  };
  const smoothing = options.labelSmoothing ? { labelSmoothing: options.labelSmoothing } : {};
  switch (task) {
    case 'sequence-classification':
    case 'token-classification':
    case 'masked-lm': {
      const logits = need(out.logits, 'logits');
      if (options.multiLabel && task === 'sequence-classification')
        return bceWithLogits(logits, cast(need(labels.labels, 'labels'), logits.dtype));
      return crossEntropy(logits, need(labels.labels, 'labels'), smoothing);
    }
    case 'regression': {
      const logits = need(out.logits, 'logits');
      const y = need(labels.labels, 'labels');
      return mse(reshape(logits, y.shape), y);
    }
    case 'question-answering': {
      // Positions outside the sequence (answers cut off by truncation) are ignored, as in transformers.
      const start = need(out.startLogits, 'start logits');
      const length = start.shape[1] as number;
      const s = crossEntropy(start, need(labels.start_positions, 'start_positions'), { ignoreIndex: length });
      const e = crossEntropy(need(out.endLogits, 'end logits'), need(labels.end_positions, 'end_positions'), { ignoreIndex: length });
      return mul(add(s, e), 0.5);
    }
    case 'causal-lm': {
      // Token t predicts token t + 1.
      const logits = need(out.logits, 'logits');
      const y = need(labels.labels, 'labels');
      const t = logits.shape[1] as number;
      return crossEntropy(slice(logits, 1, 0, t - 1), slice(y, 1, 1, t), smoothing);
    }
  }
}
