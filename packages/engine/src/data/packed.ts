// Examples as a few flat typed arrays, to cross from a data thread to the main thread by transfer (no copy, no
// per-object cloning on the receiving side) and to be kept compactly in a cache; unpacked a slice at a time.

import { setImmediate } from 'node:timers/promises';
import type { Example } from '../train/batching.ts';
import type { LoadedDataset } from './dataset.ts';

export interface PackedExamples {
  count: number;
  /** Example k's tokens are ids[offsets[k], offsets[k + 1]) (and the same range of typeIds). */
  offsets: Int32Array;
  ids: Int32Array;
  /** Present when every example has segment ids. */
  typeIds: Int32Array | null;
  /** One label per example (classification, regression); NaN where an example has none. */
  labels: Float64Array | null;
  /** Per-token labels (token tasks, language modelling): example k's are tokenLabels[labelOffsets[k], labelOffsets[k + 1]). */
  labelOffsets: Int32Array | null;
  tokenLabels: Int32Array | null;
  /** Extractive QA. */
  startPositions: Int32Array | null;
  endPositions: Int32Array | null;
  qa: (Example['qa'] | null)[] | null;
}

export interface PackedDataset extends Omit<LoadedDataset, 'train' | 'validation' | 'test'> {
  train: PackedExamples;
  validation: PackedExamples;
  test: PackedExamples;
}

export function packExamples(examples: readonly Example[]): PackedExamples {
  const count = examples.length;
  const offsets = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) offsets[k + 1] = (offsets[k] as number) + (examples[k] as Example).inputIds.length;
  const total = offsets[count] as number;
  const ids = new Int32Array(total);
  const withTypes = count > 0 && examples.every((e) => e.tokenTypeIds !== undefined);
  const typeIds = withTypes ? new Int32Array(total) : null;
  const scalar = examples.some((e) => typeof e.label === 'number');
  const labels = scalar ? new Float64Array(count).fill(Number.NaN) : null;
  const sequence = examples.some((e) => Array.isArray(e.label));
  const labelOffsets = sequence ? new Int32Array(count + 1) : null;
  const spans = examples.some((e) => e.startPosition !== undefined);
  const startPositions = spans ? new Int32Array(count) : null;
  const endPositions = spans ? new Int32Array(count) : null;
  const qa = examples.some((e) => e.qa !== undefined) ? examples.map((e) => e.qa ?? null) : null;
  examples.forEach((e, k) => {
    ids.set(e.inputIds, offsets[k]);
    if (typeIds) typeIds.set(e.tokenTypeIds as readonly number[], offsets[k]);
    if (labels && typeof e.label === 'number') labels[k] = e.label;
    if (labelOffsets) labelOffsets[k + 1] = (labelOffsets[k] as number) + (Array.isArray(e.label) ? e.label.length : 0);
    if (startPositions && endPositions) {
      startPositions[k] = e.startPosition ?? 0;
      endPositions[k] = e.endPosition ?? 0;
    }
  });
  let tokenLabels: Int32Array | null = null;
  if (labelOffsets) {
    tokenLabels = new Int32Array(labelOffsets[count] as number);
    examples.forEach((e, k) => {
      if (Array.isArray(e.label)) (tokenLabels as Int32Array).set(e.label, labelOffsets[k]);
    });
  }
  return { count, offsets, ids, typeIds, labels, labelOffsets, tokenLabels, startPositions, endPositions, qa };
}

/** a[from, to) as a plain array (a loop: Array.from on a typed array goes through its iterator, several times slower). */
function numbers(a: Int32Array, from: number, to: number): number[] {
  const out = new Array<number>(to - from);
  for (let i = from; i < to; i++) out[i - from] = a[i] as number;
  return out;
}

/** Examples rebuilt from their packed form, yielding to the event loop every `slice` examples. Each call makes fresh arrays. */
export async function unpackExamples(p: PackedExamples, slice = 1024): Promise<Example[]> {
  const out: Example[] = new Array(p.count);
  for (let k = 0; k < p.count; k++) {
    if (k > 0 && k % slice === 0) await setImmediate();
    const a = p.offsets[k] as number;
    const b = p.offsets[k + 1] as number;
    const e: Example = { inputIds: numbers(p.ids, a, b) };
    if (p.typeIds) e.tokenTypeIds = numbers(p.typeIds, a, b);
    const label = p.labels?.[k];
    if (label !== undefined && !Number.isNaN(label)) e.label = label;
    if (p.labelOffsets && p.tokenLabels) {
      const la = p.labelOffsets[k] as number;
      const lb = p.labelOffsets[k + 1] as number;
      if (lb > la) e.label = numbers(p.tokenLabels, la, lb);
    }
    if (p.startPositions && p.endPositions) {
      e.startPosition = p.startPositions[k] as number;
      e.endPosition = p.endPositions[k] as number;
    }
    const qa = p.qa?.[k];
    if (qa) e.qa = qa;
    out[k] = e;
  }
  return out;
}

export function packDataset(d: LoadedDataset): PackedDataset {
  return { ...d, train: packExamples(d.train), validation: packExamples(d.validation), test: packExamples(d.test) };
}

export async function unpackDataset(p: PackedDataset): Promise<LoadedDataset> {
  return {
    ...p,
    train: await unpackExamples(p.train),
    validation: await unpackExamples(p.validation),
    test: await unpackExamples(p.test),
  };
}

/** The buffers a packed dataset can hand over without copying. */
export function transferList(p: PackedDataset): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const split of [p.train, p.validation, p.test]) {
    for (const a of [
      split.offsets,
      split.ids,
      split.typeIds,
      split.labels,
      split.labelOffsets,
      split.tokenLabels,
      split.startPositions,
      split.endPositions,
    ]) {
      if (a) out.push(a.buffer as ArrayBuffer);
    }
  }
  return out;
}
