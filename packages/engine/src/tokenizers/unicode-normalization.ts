// NFD/NFKD/NFC/NFKC that also report, per output character, how it relates to the input (as tokenizers' alignment crate does).

import { combiningClass } from './char-classes.ts';

export type NormalizationForm = 'NFD' | 'NFKD' | 'NFC' | 'NFKC';

/**
 * An output text plus one change per output code point, in the convention of tokenizers'
 * `transform`: 0 replaces the next input character, 1 is inserted, -n replaces one and drops n more.
 */
export interface Transformation {
  text: string;
  changes: number[];
}

const decompositions = { NFD: new Map<number, number[]>(), NFKD: new Map<number, number[]>() };

function decomposeOne(cp: number, form: 'NFD' | 'NFKD'): number[] {
  const cache = decompositions[form];
  let parts = cache.get(cp);
  if (parts === undefined) {
    parts = [];
    for (const c of String.fromCodePoint(cp).normalize(form)) parts.push(c.codePointAt(0)!);
    cache.set(cp, parts);
  }
  return parts;
}

const compositions = new Map<number, number>();

/** The primary composite of a starter and a following character, or -1. */
function compose(a: number, b: number): number {
  const key = a * 0x110000 + b;
  let r = compositions.get(key);
  if (r === undefined) {
    const s = String.fromCodePoint(a, b).normalize('NFC');
    const first = s.codePointAt(0)!;
    r = s.length === (first > 0xffff ? 2 : 1) ? first : -1;
    compositions.set(key, r);
  }
  return r;
}

/** Canonical (or compatibility) decomposition with canonical reordering; the first code point of each decomposition replaces, the rest are inserted. */
function decompose(text: string, form: 'NFD' | 'NFKD'): { cps: number[]; changes: number[] } {
  const cps: number[] = [];
  const changes: number[] = [];
  const classes: number[] = [];
  // Characters from `pendingFrom` on still await a starter before they can be put in canonical order.
  let pendingFrom = 0;
  const sortPending = (): void => {
    if (cps.length - pendingFrom > 1) {
      const block = cps.slice(pendingFrom).map((cp, i) => ({ cp, change: changes[pendingFrom + i]!, ccc: classes[pendingFrom + i]!, i }));
      block.sort((x, y) => x.ccc - y.ccc || x.i - y.i);
      block.forEach((b, i) => {
        cps[pendingFrom + i] = b.cp;
        changes[pendingFrom + i] = b.change;
        classes[pendingFrom + i] = b.ccc;
      });
    }
    pendingFrom = cps.length;
  };
  for (const ch of text) {
    const parts = decomposeOne(ch.codePointAt(0)!, form);
    for (let k = 0; k < parts.length; k++) {
      const d = parts[k]!;
      const ccc = combiningClass(d);
      if (ccc === 0) sortPending();
      cps.push(d);
      changes.push(k === 0 ? 0 : 1);
      classes.push(ccc);
    }
  }
  sortPending();
  return { cps, changes };
}

/** Canonical composition over a decomposed stream, folding the changes of absorbed characters into the composite. */
function recompose(cps: readonly number[], changes: readonly number[]): { cps: number[]; changes: number[] } {
  const outCps: number[] = [];
  const outChanges: number[] = [];
  const emit = (cp: number, change: number): void => {
    outCps.push(cp);
    outChanges.push(change);
  };
  let buffer: [number, number][] = [];
  let composee: [number, number] | null = null;
  let lastClass: number | null = null;
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i]!;
    const change = changes[i]!;
    const cls = combiningClass(ch);
    if (composee === null) {
      if (cls !== 0) {
        emit(ch, change);
        continue;
      }
      composee = [ch, change];
      continue;
    }
    if (lastClass === null) {
      const r = compose(composee[0], ch);
      if (r >= 0) {
        composee = [r, composee[1] + change - 1];
        continue;
      }
      if (cls === 0) {
        emit(composee[0], composee[1]);
        composee = [ch, change];
        continue;
      }
      buffer.push([ch, change]);
      lastClass = cls;
      continue;
    }
    if (lastClass >= cls) {
      // Blocked from the composee by an earlier mark of the same or higher class.
      if (cls === 0) {
        emit(composee[0], composee[1]);
        for (const [c, k] of buffer) emit(c, k);
        buffer = [];
        composee = [ch, change];
        lastClass = null;
        continue;
      }
      buffer.push([ch, change]);
      lastClass = cls;
      continue;
    }
    const r = compose(composee[0], ch);
    if (r >= 0) {
      composee = [r, composee[1] + change - 1];
      continue;
    }
    buffer.push([ch, change]);
    lastClass = cls;
  }
  if (composee !== null) emit(composee[0], composee[1]);
  for (const [c, k] of buffer) emit(c, k);
  return { cps: outCps, changes: outChanges };
}

/** Normalizes `text`, or returns null when the text is already in that form (so alignments stay as they are). */
export function normalizeWithChanges(text: string, form: NormalizationForm): Transformation | null {
  if (text.normalize(form) === text) return null;
  const decomposed = decompose(text, form === 'NFC' || form === 'NFD' ? 'NFD' : 'NFKD');
  const result = form === 'NFD' || form === 'NFKD' ? decomposed : recompose(decomposed.cps, decomposed.changes);
  return { text: fromCodePoints(result.cps), changes: result.changes };
}

/** String.fromCodePoint in chunks, since spreading a long array overflows the argument limit. */
export function fromCodePoints(cps: readonly number[]): string {
  let s = '';
  for (let i = 0; i < cps.length; i += 4096) s += String.fromCodePoint(...cps.slice(i, i + 4096));
  return s;
}
