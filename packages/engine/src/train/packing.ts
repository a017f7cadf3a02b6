// Packing: short causal-LM examples laid end to end in rows as long as the longest example, so that a
// batch computes on tokens rather than padding.

import { type Example, IGNORE_INDEX } from './batching.ts';

/**
 * Packs examples in their order, each row taking the next examples while they fit in `length` tokens
 * (@default the longest example's length, so none is cut). A row records where each example starts
 * (segmentStarts): collated with `packed`, attention stays within an example and positions restart
 * at each, so every example is computed as it would be alone. Each later example's first label is
 * IGNORE_INDEX, since the shifted loss would have the previous example's last token predict it.
 */
export function packExamples(examples: readonly Example[], length = Math.max(0, ...examples.map((e) => e.inputIds.length))): Example[] {
  const rows: Example[] = [];
  let ids: number[] = [];
  let labels: number[] = [];
  let starts: number[] = [];
  const close = () => {
    if (ids.length > 0) rows.push({ inputIds: ids, label: labels, segmentStarts: starts });
    ids = [];
    labels = [];
    starts = [];
  };
  for (const [i, e] of examples.entries()) {
    if (!Array.isArray(e.label) || e.label.length !== e.inputIds.length) {
      throw new Error(`example ${i} has no per-token labels; packing applies to causal language modelling`);
    }
    if (e.inputIds.length > length) throw new Error(`example ${i} has ${e.inputIds.length} tokens, more than the packed length ${length}`);
    if (ids.length + e.inputIds.length > length) close();
    starts.push(ids.length);
    const own = e.label as readonly number[];
    ids.push(...e.inputIds);
    labels.push(...(starts.length > 1 ? [IGNORE_INDEX, ...own.slice(1)] : own));
  }
  close();
  return rows;
}
