// Encodings: the public result type, and the working form with sequence ranges that truncation, post-processing and padding act on.

import { TokenizationError } from './config.ts';
import type { Offsets } from './normalized-string.ts';

/** One encoded input (a text or a text pair), ready to feed a model. All arrays have one entry per token. */
export interface Encoding {
  ids: number[];
  /** Segment ids (0 for the first text, 1 for the second, as the post-processor assigns them). */
  typeIds: number[];
  tokens: string[];
  /** [start, end) in UTF-16 code units of the text the token came from; [0, 0] for added special tokens and padding. */
  offsets: Offsets[];
  /** Index of the pre-tokenized word each token belongs to, within its own text; null for special tokens and padding. */
  wordIds: (number | null)[];
  /** 0 or 1 for tokens from the first or second text; null for special tokens and padding. */
  sequenceIds: (number | null)[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
  /** 1 for tokens added by the post-processor and for padding. */
  specialTokensMask: number[];
  /** The windows that truncation cut off (with `stride` tokens of overlap), each post-processed and padded like this one. */
  overflowing: Encoding[];
}

export type Direction = 'right' | 'left';

/** tokenizers' Encoding: the arrays plus the token range of each sequence and the overflowing parts. */
export class EncodingState {
  ids: number[] = [];
  typeIds: number[] = [];
  tokens: string[] = [];
  words: (number | null)[] = [];
  offsets: Offsets[] = [];
  specialTokensMask: number[] = [];
  attentionMask: number[] = [];
  overflowing: EncodingState[] = [];
  sequenceRanges = new Map<number, [number, number]>();
  /** The text the offsets point into, while this holds a single sequence (byte-level offset trimming counts its characters). */
  text = '';

  get length(): number {
    return this.ids.length;
  }

  push(id: number, token: string, offsets: Offsets, word: number | null, typeId: number, special = 0): void {
    this.ids.push(id);
    this.tokens.push(token);
    this.offsets.push(offsets);
    this.words.push(word);
    this.typeIds.push(typeId);
    this.specialTokensMask.push(special);
    this.attentionMask.push(1);
  }

  clone(): EncodingState {
    const c = new EncodingState();
    c.ids = [...this.ids];
    c.typeIds = [...this.typeIds];
    c.tokens = [...this.tokens];
    c.words = [...this.words];
    c.offsets = this.offsets.map(([a, b]) => [a, b]);
    c.specialTokensMask = [...this.specialTokensMask];
    c.attentionMask = [...this.attentionMask];
    c.overflowing = this.overflowing.map((o) => o.clone());
    c.sequenceRanges = new Map([...this.sequenceRanges].map(([k, [a, b]]) => [k, [a, b]]));
    c.text = this.text;
    return c;
  }

  /** Marks every token as belonging to sequence `id`, in the overflowing windows too. */
  setSequenceId(id: number): void {
    this.sequenceRanges.set(id, [0, this.length]);
    for (const o of this.overflowing) o.setSequenceId(id);
  }

  setTypeIds(typeId: number): void {
    this.typeIds = new Array<number>(this.length).fill(typeId);
  }

  private sequenceRange(id: number): [number, number] {
    return this.sequenceRanges.get(id) ?? [0, this.length];
  }

  sequenceIds(): (number | null)[] {
    const out = new Array<number | null>(this.length).fill(null);
    const n = this.sequenceRanges.size === 0 ? 1 : this.sequenceRanges.size;
    for (let id = 0; id < n; id++) {
      const [a, b] = this.sequenceRange(id);
      for (let i = a; i < b && i < out.length; i++) out[i] = id;
    }
    return out;
  }

  /** Appends `pair` (tokenizers' merge_with), combining the overflowing parts of both. */
  mergeWith(pair: EncodingState, growingOffsets: boolean): void {
    const overflowings: EncodingState[] = [];
    for (const selfO of this.overflowing) {
      const n = selfO.clone();
      n.mergeWith(pair.clone(), growingOffsets);
      overflowings.push(n);
      for (const otherO of pair.overflowing) {
        const m = selfO.clone();
        m.mergeWith(otherO.clone(), growingOffsets);
        overflowings.push(m);
      }
    }
    for (const otherO of pair.overflowing) {
      const n = this.clone();
      n.mergeWith(otherO.clone(), growingOffsets);
      overflowings.push(n);
    }
    const base = this.length;
    for (const [id, [a, b]] of pair.sequenceRanges) this.sequenceRanges.set(id, [base + a, base + b]);
    this.ids.push(...pair.ids);
    this.typeIds.push(...pair.typeIds);
    this.tokens.push(...pair.tokens);
    this.words.push(...pair.words);
    const shift = growingOffsets ? (this.offsets[this.offsets.length - 1]?.[1] ?? 0) : 0;
    for (const [a, b] of pair.offsets) this.offsets.push([a + shift, b + shift]);
    this.specialTokensMask.push(...pair.specialTokensMask);
    this.attentionMask.push(...pair.attentionMask);
    this.overflowing = overflowings;
  }

  private part(start: number, stop: number): EncodingState {
    const p = new EncodingState();
    p.ids = this.ids.slice(start, stop);
    p.typeIds = this.typeIds.slice(start, stop);
    p.tokens = this.tokens.slice(start, stop);
    p.words = this.words.slice(start, stop);
    p.offsets = this.offsets.slice(start, stop);
    p.specialTokensMask = this.specialTokensMask.slice(start, stop);
    p.attentionMask = this.attentionMask.slice(start, stop);
    p.text = this.text;
    return p;
  }

  /** Keeps `maxLength` tokens and moves the rest into overflowing windows overlapping by `stride` (tokenizers' truncate). */
  truncate(maxLength: number, stride: number, direction: Direction): void {
    const len = this.length;
    if (maxLength >= len) return;
    if (maxLength === 0) {
      const whole = this.part(0, len);
      whole.overflowing = this.overflowing;
      whole.sequenceRanges = this.sequenceRanges;
      const empty = new EncodingState();
      empty.overflowing = [whole];
      Object.assign(this, empty);
      return;
    }
    if (stride >= maxLength) {
      throw new TokenizationError(
        `truncation stride ${stride} must be smaller than the ${maxLength} tokens kept per window; lower the stride or raise maxLength`,
      );
    }
    this.sequenceRanges.clear();
    const step = maxLength - stride;
    const ranges: [number, number][] = [];
    if (direction === 'right') {
      for (let start = 0; start < len; start += step) {
        const stop = Math.min(start + maxLength, len);
        ranges.push([start, stop]);
        if (stop === len) break;
      }
    } else {
      for (let s = len - 1; s >= 0; s -= step) {
        const stop = s + 1;
        const start = stop < maxLength ? 0 : stop - maxLength;
        if (start >= stop) break;
        ranges.push([start, stop]);
        if (start === 0) break;
      }
    }
    const [first, ...rest] = ranges;
    const kept = this.part(first![0], first![1]);
    kept.overflowing = rest.map(([a, b]) => this.part(a, b));
    Object.assign(this, kept);
  }

  /** Pads to `length` tokens (no-op when already that long), the overflowing windows too. */
  pad(length: number, padId: number, padTypeId: number, padToken: string, direction: Direction): void {
    for (const o of this.overflowing) o.pad(length, padId, padTypeId, padToken, direction);
    const n = length - this.length;
    if (n <= 0) return;
    const fill = <T>(arr: T[], v: () => T): T[] => {
      const extra = Array.from({ length: n }, v);
      return direction === 'left' ? [...extra, ...arr] : [...arr, ...extra];
    };
    this.ids = fill(this.ids, () => padId);
    this.typeIds = fill(this.typeIds, () => padTypeId);
    this.tokens = fill(this.tokens, () => padToken);
    this.words = fill<number | null>(this.words, () => null);
    this.attentionMask = fill(this.attentionMask, () => 0);
    this.specialTokensMask = fill(this.specialTokensMask, () => 1);
    this.offsets = fill<Offsets>(this.offsets, () => [0, 0]);
    if (direction === 'left') {
      for (const [id, [a, b]] of this.sequenceRanges) this.sequenceRanges.set(id, [a + n, b + n]);
    }
  }

  toEncoding(): Encoding {
    return {
      ids: this.ids,
      typeIds: this.typeIds,
      tokens: this.tokens,
      offsets: this.offsets,
      wordIds: this.words,
      sequenceIds: this.sequenceIds(),
      attentionMask: this.attentionMask,
      specialTokensMask: this.specialTokensMask,
      overflowing: this.overflowing.map((o) => o.toEncoding()),
    };
  }
}
