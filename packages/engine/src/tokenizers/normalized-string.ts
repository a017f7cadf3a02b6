// A string being normalized and split, that remembers for every character where in the original text it came from.
//
// This mirrors tokenizers' NormalizedString, with two differences of representation: positions are UTF-16 code
// units (JS string indices) instead of UTF-8 bytes, and alignments point into the whole original text instead of
// being relative to each slice. Every UTF-16 unit of one character always carries the same alignment, so the
// character-level results equal the library's byte-level ones.

import { type NormalizationForm, normalizeWithChanges } from './unicode-normalization.ts';

/** [start, end) in UTF-16 code units. */
export type Offsets = [number, number];

/** What a split does with the pieces a pattern matched (tokenizers' SplitDelimiterBehavior). */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** A run of a string and whether the pattern matched it; a pattern's runs cover the whole string in order. */
export type PatternRun = [start: number, end: number, isMatch: boolean];

export interface Pattern {
  findMatches(s: string): PatternRun[];
}

const cpLength = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** Every character for which `predicate` holds is its own match. */
export function charPattern(predicate: (cp: number) => boolean): Pattern {
  return {
    findMatches(s) {
      if (s.length === 0) return [[0, 0, false]];
      const runs: PatternRun[] = [];
      let last = 0;
      for (let i = 0; i < s.length; ) {
        const cp = s.codePointAt(i)!;
        const l = cpLength(cp);
        if (predicate(cp)) {
          if (last < i) runs.push([last, i, false]);
          runs.push([i, i + l, true]);
          last = i + l;
        }
        i += l;
      }
      if (last < s.length) runs.push([last, s.length, false]);
      return runs;
    },
  };
}

/** Matches of a global regular expression, empty matches included. */
export function regexPattern(re: RegExp): Pattern {
  if (!re.global) throw new Error(`regexPattern needs a global RegExp, got /${re.source}/${re.flags}`);
  return {
    findMatches(s) {
      if (s.length === 0) return [[0, 0, false]];
      const runs: PatternRun[] = [];
      let prev = 0;
      for (const m of s.matchAll(re)) {
        const start = m.index;
        const end = start + m[0].length;
        if (prev !== start) runs.push([prev, start, false]);
        runs.push([start, end, true]);
        prev = end;
      }
      if (prev !== s.length) runs.push([prev, s.length, false]);
      return runs;
    },
  };
}

/** Occurrences of a literal string (no match at all for the empty string, as in tokenizers). */
export function literalPattern(literal: string): Pattern {
  if (literal === '') return { findMatches: (s) => [[0, s.length, false]] };
  return regexPattern(new RegExp(literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gu'));
}

export function invertPattern(pattern: Pattern): Pattern {
  return { findMatches: (s) => pattern.findMatches(s).map(([a, b, m]) => [a, b, !m]) };
}

const EMPTY = new Int32Array(0);

export class NormalizedString {
  /** The whole text given to the tokenizer; every alignment points into it. */
  readonly original: string;
  normalized: string;
  /** For each UTF-16 unit of `normalized`, the start of the original range it came from. */
  starts: Int32Array;
  /** For each UTF-16 unit of `normalized`, the end of the original range it came from. */
  ends: Int32Array;
  /** Where this piece begins in `original` (tokenizers' original_shift). */
  originalStart: number;
  /** Where this piece ends in `original`. */
  originalEnd: number;

  constructor(original: string, normalized: string, starts: Int32Array, ends: Int32Array, originalStart: number, originalEnd: number) {
    this.original = original;
    this.normalized = normalized;
    this.starts = starts;
    this.ends = ends;
    this.originalStart = originalStart;
    this.originalEnd = originalEnd;
  }

  static fromText(text: string): NormalizedString {
    const starts = new Int32Array(text.length);
    const ends = new Int32Array(text.length);
    for (let i = 0; i < text.length; ) {
      const l = cpLength(text.codePointAt(i)!);
      for (let k = 0; k < l; k++) {
        starts[i + k] = i;
        ends[i + k] = i + l;
      }
      i += l;
    }
    return new NormalizedString(text, text, starts, ends, 0, text.length);
  }

  get length(): number {
    return this.normalized.length;
  }

  isEmpty(): boolean {
    return this.normalized.length === 0;
  }

  /** Original range of the normalized range [start, end), or null when it is out of bounds (tokenizers' convert_offsets). */
  originalRange(start: number, end: number): Offsets | null {
    if (start === end) return [this.originalStart + start, this.originalStart + end];
    if (start > end || end > this.normalized.length) return null;
    return [this.starts[start]!, this.ends[end - 1]!];
  }

  /** The piece covering normalized [start, end), with its alignments. */
  slice(start: number, end: number): NormalizedString {
    if (start === end) {
      return new NormalizedString(this.original, '', EMPTY, EMPTY, this.originalStart + start, this.originalStart + start);
    }
    const os = this.starts[start]!;
    const oe = this.ends[end - 1]!;
    return new NormalizedString(
      this.original,
      this.normalized.slice(start, end),
      this.starts.subarray(start, end),
      this.ends.subarray(start, end),
      os,
      Math.max(os, oe),
    );
  }

  /**
   * tokenizers' transform_range: replaces normalized [rangeStart, rangeEnd) with `text`, where `changes` holds one
   * entry per code point of `text` (0 replaces the next old character, 1 is inserted, -n replaces one and drops n
   * more) and `initialOffset` old characters are dropped first. Replacing characters take the alignment of the
   * character they replace; inserted ones that of the character before.
   */
  transformRange(rangeStart: number, rangeEnd: number, text: string, changes: ArrayLike<number>, initialOffset: number): void {
    const old = this.normalized;
    const len = old.length;
    const outLen = rangeStart + text.length + (len - rangeEnd);
    const starts = new Int32Array(outLen);
    const ends = new Int32Array(outLen);
    starts.set(this.starts.subarray(0, rangeStart));
    ends.set(this.ends.subarray(0, rangeStart));
    let ri = rangeStart;
    const skip = (): void => {
      if (ri < rangeEnd) ri += cpLength(old.codePointAt(ri)!);
    };
    for (let k = 0; k < initialOffset; k++) skip();
    let w = rangeStart;
    let ci = 0;
    for (let i = 0; i < text.length; ) {
      const l = cpLength(text.codePointAt(i)!);
      const change = changes[ci++] ?? 0;
      let as: number;
      let ae: number;
      if (change > 0) {
        as = ri < 1 ? this.originalStart : this.starts[ri - 1]!;
        ae = ri < 1 ? this.originalStart : this.ends[ri - 1]!;
      } else {
        const idx = Math.min(ri, len - 1);
        as = this.starts[idx] ?? this.originalStart;
        ae = this.ends[idx] ?? this.originalStart;
        skip();
        for (let k = 0; k < -change; k++) skip();
      }
      for (let u = 0; u < l; u++) {
        starts[w] = as;
        ends[w] = ae;
        w++;
      }
      i += l;
    }
    starts.set(this.starts.subarray(rangeEnd), w);
    ends.set(this.ends.subarray(rangeEnd), w);
    this.normalized = old.slice(0, rangeStart) + text + old.slice(rangeEnd);
    this.starts = starts;
    this.ends = ends;
  }

  transform(text: string, changes: ArrayLike<number>, initialOffset: number): void {
    this.transformRange(0, this.normalized.length, text, changes, initialOffset);
  }

  /**
   * Replaces each character by `map(cp)` (null keeps it). Every output character takes the alignment of the
   * character it came from, which is what tokenizers' transform gives for "first replaces, rest inserted".
   */
  mapChars(map: (cp: number) => string | null): void {
    const old = this.normalized;
    const len = old.length;
    let edits: (number | string)[] | null = null;
    let lengthChanged = false;
    for (let i = 0; i < len; ) {
      const cp = old.codePointAt(i)!;
      const l = cpLength(cp);
      const r = map(cp);
      if (r !== null && (r.length !== l || r !== old.slice(i, i + l))) {
        edits ??= [];
        edits.push(i, l, r);
        if (r.length !== l) lengthChanged = true;
      }
      i += l;
    }
    if (edits === null) return;
    let text = '';
    let last = 0;
    for (let k = 0; k < edits.length; k += 3) {
      const at = edits[k] as number;
      text += old.slice(last, at) + (edits[k + 2] as string);
      last = at + (edits[k + 1] as number);
    }
    text += old.slice(last);
    if (lengthChanged) {
      const starts = new Int32Array(text.length);
      const ends = new Int32Array(text.length);
      let w = 0;
      last = 0;
      for (let k = 0; k < edits.length; k += 3) {
        const at = edits[k] as number;
        starts.set(this.starts.subarray(last, at), w);
        ends.set(this.ends.subarray(last, at), w);
        w += at - last;
        const r = edits[k + 2] as string;
        starts.fill(this.starts[at]!, w, w + r.length);
        ends.fill(this.ends[at]!, w, w + r.length);
        w += r.length;
        last = at + (edits[k + 1] as number);
      }
      starts.set(this.starts.subarray(last), w);
      ends.set(this.ends.subarray(last), w);
      this.starts = starts;
      this.ends = ends;
    }
    this.normalized = text;
  }

  /** Drops the characters `keep` rejects; kept characters keep their alignments (tokenizers' filter). */
  filter(keep: (cp: number) => boolean): void {
    const old = this.normalized;
    const len = old.length;
    let removed: number[] | null = null;
    for (let i = 0; i < len; ) {
      const cp = old.codePointAt(i)!;
      const l = cpLength(cp);
      if (!keep(cp)) {
        removed ??= [];
        removed.push(i, i + l);
      }
      i += l;
    }
    if (removed === null) return;
    let total = 0;
    for (let k = 0; k < removed.length; k += 2) total += removed[k + 1]! - removed[k]!;
    const starts = new Int32Array(len - total);
    const ends = new Int32Array(len - total);
    let text = '';
    let last = 0;
    let w = 0;
    const keepRun = (to: number): void => {
      text += old.slice(last, to);
      starts.set(this.starts.subarray(last, to), w);
      ends.set(this.ends.subarray(last, to), w);
      w += to - last;
    };
    for (let k = 0; k < removed.length; k += 2) {
      keepRun(removed[k]!);
      last = removed[k + 1]!;
    }
    keepRun(len);
    this.normalized = text;
    this.starts = starts;
    this.ends = ends;
  }

  /** Adds `s` in front; it aligns with the first character (tokenizers' prepend). No-op on an empty string. */
  prepend(s: string): void {
    if (this.normalized.length === 0 || s.length === 0) return;
    const starts = new Int32Array(s.length + this.normalized.length);
    const ends = new Int32Array(starts.length);
    starts.fill(this.starts[0]!, 0, s.length);
    ends.fill(this.ends[0]!, 0, s.length);
    starts.set(this.starts, s.length);
    ends.set(this.ends, s.length);
    this.normalized = s + this.normalized;
    this.starts = starts;
    this.ends = ends;
  }

  /** Adds `s` at the end; it aligns with the last character. No-op on an empty string. */
  append(s: string): void {
    const len = this.normalized.length;
    if (len === 0 || s.length === 0) return;
    const starts = new Int32Array(len + s.length);
    const ends = new Int32Array(starts.length);
    starts.set(this.starts);
    ends.set(this.ends);
    starts.fill(this.starts[len - 1]!, len);
    ends.fill(this.ends[len - 1]!, len);
    this.normalized += s;
    this.starts = starts;
    this.ends = ends;
  }

  /** Replaces every match of `pattern` by `content`, which aligns with the last matched character (tokenizers' replace). */
  replace(pattern: Pattern, content: string): void {
    const old = this.normalized;
    const runs = pattern.findMatches(old);
    if (!runs.some((r) => r[2])) return;
    const starts: number[] = [];
    const ends: number[] = [];
    let text = '';
    for (const [a, b, isMatch] of runs) {
      if (!isMatch) {
        text += old.slice(a, b);
        for (let i = a; i < b; i++) {
          starts.push(this.starts[i]!);
          ends.push(this.ends[i]!);
        }
        continue;
      }
      let as: number;
      let ae: number;
      if (b > a) {
        as = this.starts[b - 1]!;
        ae = this.ends[b - 1]!;
      } else if (starts.length > 0) {
        as = starts[starts.length - 1]!;
        ae = ends[ends.length - 1]!;
      } else {
        as = this.originalStart;
        ae = this.originalStart;
      }
      text += content;
      for (let i = 0; i < content.length; i++) {
        starts.push(as);
        ends.push(ae);
      }
    }
    this.normalized = text;
    this.starts = Int32Array.from(starts);
    this.ends = Int32Array.from(ends);
  }

  /** Removes leading and/or trailing whitespace (Rust `char::is_whitespace`). */
  strip(left: boolean, right: boolean, isSpace: (cp: number) => boolean): void {
    const s = this.normalized;
    let a = 0;
    let b = s.length;
    if (left) {
      while (a < b) {
        const cp = s.codePointAt(a)!;
        if (!isSpace(cp)) break;
        a += cpLength(cp);
      }
    }
    if (right) {
      while (b > a) {
        const lo = s.charCodeAt(b - 1);
        const width = lo >= 0xdc00 && lo <= 0xdfff && b - 2 >= a ? 2 : 1;
        if (!isSpace(s.codePointAt(b - width)!)) break;
        b -= width;
      }
    }
    if (a === 0 && b === s.length) return;
    this.normalized = s.slice(a, b);
    this.starts = this.starts.subarray(a, b);
    this.ends = this.ends.subarray(a, b);
  }

  lowercase(): void {
    const s = this.normalized;
    if (/^\p{ASCII}*$/u.test(s)) {
      // ASCII lowercases one unit to one unit, so the alignments stay as they are.
      this.normalized = s.toLowerCase();
      return;
    }
    if (s.toLowerCase() === s) return;
    this.mapChars((cp) => (cp < 0x41 ? null : String.fromCodePoint(cp).toLowerCase()));
  }

  normalize(form: NormalizationForm): void {
    const t = normalizeWithChanges(this.normalized, form);
    if (t !== null) this.transform(t.text, t.changes, 0);
  }

  /** Splits on `pattern`, treating the matched pieces as `behavior` says (tokenizers' NormalizedString::split). */
  split(pattern: Pattern, behavior: SplitBehavior): NormalizedString[] {
    const runs = pattern.findMatches(this.normalized);
    let pieces: [number, number, boolean][];
    switch (behavior) {
      case 'Isolated':
        pieces = runs.map(([a, b]) => [a, b, false]);
        break;
      case 'Removed':
        pieces = runs;
        break;
      case 'Contiguous': {
        pieces = [];
        let previous = false;
        for (const [a, b, m] of runs) {
          const last = pieces[pieces.length - 1];
          if (m === previous && last !== undefined) last[1] = b;
          else pieces.push([a, b, false]);
          previous = m;
        }
        break;
      }
      case 'MergedWithPrevious': {
        pieces = [];
        let previous = false;
        for (const [a, b, m] of runs) {
          const last = pieces[pieces.length - 1];
          if (m && !previous && last !== undefined) last[1] = b;
          else pieces.push([a, b, false]);
          previous = m;
        }
        break;
      }
      case 'MergedWithNext': {
        pieces = [];
        let previous = false;
        for (let i = runs.length - 1; i >= 0; i--) {
          const [a, b, m] = runs[i]!;
          const last = pieces[pieces.length - 1];
          if (m && !previous && last !== undefined) last[0] = a;
          else pieces.push([a, b, false]);
          previous = m;
        }
        pieces.reverse();
        break;
      }
    }
    const out: NormalizedString[] = [];
    for (const [a, b, remove] of pieces) if (!remove) out.push(this.slice(a, b));
    return out;
  }
}
