// Byte-pair encoding: characters of a word merged pairwise by merge rank, with unk/byte-fallback for unknown characters.

import { type Section, TokenizationError } from '../config.ts';
import type { Token } from '../pre-tokenized-string.ts';
import { byteToken, readVocabMap } from './model.ts';
import { VocabModel } from './vocab-model.ts';

export interface BpeOptions {
  unkToken?: string | undefined;
  continuingSubwordPrefix?: string | undefined;
  endOfWordSuffix?: string | undefined;
  fuseUnk?: boolean;
  byteFallback?: boolean;
  ignoreMerges?: boolean;
  /** Probability of skipping each merge (BPE-dropout); 0 or undefined for deterministic output. */
  dropout?: number | undefined;
}

// Pair keys and merge values pack two ids below 2^26 into one double.
const ID_LIMIT = 0x4000000;

/** A min-heap of candidate merges ordered by rank, then position (tokenizers' BinaryHeap<Merge>). */
class MergeQueue {
  private readonly rank: number[] = [];
  private readonly pos: number[] = [];
  private readonly newId: number[] = [];

  get size(): number {
    return this.rank.length;
  }

  private less(i: number, j: number): boolean {
    return this.rank[i]! < this.rank[j]! || (this.rank[i] === this.rank[j] && this.pos[i]! < this.pos[j]!);
  }

  private swap(i: number, j: number): void {
    for (const a of [this.rank, this.pos, this.newId]) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  push(rank: number, pos: number, newId: number): void {
    this.rank.push(rank);
    this.pos.push(pos);
    this.newId.push(newId);
    let i = this.rank.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the best entry, returning [rank, pos, newId]. */
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.rank[0]!, this.pos[0]!, this.newId[0]!];
    const last = this.rank.length - 1;
    this.swap(0, last);
    this.rank.pop();
    this.pos.pop();
    this.newId.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.rank.length && this.less(l, best)) best = l;
      if (r < this.rank.length && this.less(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}

const CACHE_CAPACITY = 10_000;
/** Longer words (a whole sentence, without a pre-tokenizer) are not worth caching. */
const CACHE_MAX_WORD = 256;
const encoder = new TextEncoder();

export class Bpe extends VocabModel {
  /** (left id, right id) -> rank * 2^26 + merged id. */
  private readonly merges = new Map<number, number>();
  private readonly options: BpeOptions;
  private readonly cache = new Map<string, number[]>();

  constructor(
    vocab: Map<string, number>,
    merges: readonly (readonly [string, string])[],
    options: BpeOptions,
    fail: (i: number, problem: string) => never,
  ) {
    super(vocab);
    this.options = options;
    for (const id of vocab.values()) if (id >= ID_LIMIT) fail(-1, `token id ${id} is too large (ids must be below ${ID_LIMIT})`);
    const prefixLength = options.continuingSubwordPrefix?.length ?? 0;
    merges.forEach(([a, b], rank) => {
      const aId = vocab.get(a);
      const bId = vocab.get(b);
      const merged = a + b.slice(prefixLength);
      const newId = vocab.get(merged);
      const missing = aId === undefined ? a : bId === undefined ? b : newId === undefined ? merged : null;
      if (missing !== null) fail(rank, `merge "${a} ${b}" uses "${missing}", which is not in the vocabulary`);
      this.merges.set(aId! * ID_LIMIT + bId!, rank * ID_LIMIT + newId!);
    });
  }

  private idOf(token: string): number {
    const id = this.vocab.get(token);
    if (id === undefined) throw new TokenizationError(`BPE: the unk token "${token}" is not in the vocabulary; add it to model.vocab`);
    return id;
  }

  /** The word's symbols after all merges, as flat [id, start, end] triples. */
  private mergeWord(word: string): number[] {
    const { continuingSubwordPrefix: prefix, endOfWordSuffix: suffix, unkToken, fuseUnk, byteFallback, dropout } = this.options;
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const add = (id: number, start: number, end: number): void => {
      ids.push(id);
      starts.push(start);
      ends.push(end);
    };
    let unk: [number, number, number] | null = null;
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const l = cp > 0xffff ? 2 : 1;
      let s = word.slice(i, i + l);
      if (i > 0 && prefix !== undefined) s = prefix + s;
      if (i + l === word.length && suffix !== undefined) s += suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (unk !== null) add(...unk);
        unk = null;
        add(id, i, i + l);
        i += l;
        continue;
      }
      if (byteFallback) {
        const byteIds = [...encoder.encode(s)].map((b) => this.vocab.get(byteToken(b)));
        if (byteIds.every((b) => b !== undefined)) {
          // Every byte token of a character spans the whole character, as its byte offsets do once read as characters.
          for (const b of byteIds) add(b!, i, i + l);
          i += l;
          continue;
        }
      }
      if (unkToken !== undefined) {
        if (unk !== null && fuseUnk) unk[2] = i + l;
        else {
          if (unk !== null) add(...unk);
          unk = [this.idOf(unkToken), i, i + l];
        }
      }
      i += l;
    }
    if (unk !== null) add(...unk);
    return this.mergeAll(ids, starts, ends, dropout ?? 0);
  }

  private mergeAll(ids: number[], starts: number[], ends: number[], dropout: number): number[] {
    const n = ids.length;
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const removed = new Uint8Array(n);
    const queue = new MergeQueue();
    const lookup = (a: number, b: number): number | undefined => this.merges.get(a * ID_LIMIT + b);
    for (let i = 0; i + 1 < n; i++) {
      const m = lookup(ids[i]!, ids[i + 1]!);
      if (m !== undefined) queue.push(Math.floor(m / ID_LIMIT), i, m % ID_LIMIT);
    }
    const skipped: [number, number, number][] = [];
    while (queue.size > 0) {
      const top = queue.pop();
      if (dropout > 0 && Math.random() < dropout) {
        skipped.push(top);
        continue;
      }
      for (const s of skipped) queue.push(...s);
      skipped.length = 0;
      const [, pos, newId] = top;
      if (removed[pos] || next[pos] === -1) continue;
      const right = next[pos]!;
      // Skip entries made stale by an earlier merge at this position.
      const current = lookup(ids[pos]!, ids[right]!);
      if (current === undefined || current % ID_LIMIT !== newId) continue;
      ids[pos] = newId;
      ends[pos] = ends[right]!;
      removed[right] = 1;
      next[pos] = next[right]!;
      if (next[right]! !== -1) prev[next[right]!] = pos;
      const p = prev[pos]!;
      if (p >= 0) {
        const m = lookup(ids[p]!, ids[pos]!);
        if (m !== undefined) queue.push(Math.floor(m / ID_LIMIT), p, m % ID_LIMIT);
      }
      const q = next[pos]!;
      if (q !== -1) {
        const m = lookup(ids[pos]!, ids[q]!);
        if (m !== undefined) queue.push(Math.floor(m / ID_LIMIT), pos, m % ID_LIMIT);
      }
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (!removed[i]) out.push(ids[i]!, starts[i]!, ends[i]!);
    return out;
  }

  override tokenize(word: string): Token[] {
    if (word.length === 0) return [];
    if (this.options.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return [{ id, value: word, offsets: [0, word.length] }];
    }
    const useCache = !(this.options.dropout ?? 0) && word.length < CACHE_MAX_WORD;
    let symbols = useCache ? this.cache.get(word) : undefined;
    if (symbols === undefined) {
      symbols = this.mergeWord(word);
      if (useCache) {
        if (this.cache.size >= CACHE_CAPACITY) this.cache.clear();
        this.cache.set(word, symbols);
      }
    }
    const tokens: Token[] = [];
    for (let k = 0; k < symbols.length; k += 3) {
      const id = symbols[k]!;
      tokens.push({ id, value: this.vocabR.get(id) ?? '', offsets: [symbols[k + 1]!, symbols[k + 2]!] });
    }
    return tokens;
  }
}

export function readBpe(section: Section): Bpe {
  const vocab = readVocabMap(section, 'vocab');
  const rawMerges = section.has('merges') ? section.array('merges') : [];
  const merges = rawMerges.map((m, i): [string, string] => {
    if (typeof m === 'string') {
      const space = m.indexOf(' ');
      if (space < 0) section.fail(`merges[${i}]`, `a merge must be "left right" or ["left", "right"], got ${JSON.stringify(m)}`);
      return [m.slice(0, space), m.slice(space + 1)];
    }
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
    return section.fail(`merges[${i}]`, `a merge must be "left right" or ["left", "right"], got ${JSON.stringify(m)}`);
  });
  const dropout = section.has('dropout') ? section.number('dropout') : undefined;
  return new Bpe(
    vocab,
    merges,
    {
      unkToken: section.optionalString('unk_token'),
      continuingSubwordPrefix: section.optionalString('continuing_subword_prefix'),
      endOfWordSuffix: section.optionalString('end_of_word_suffix'),
      fuseUnk: section.bool('fuse_unk', false),
      byteFallback: section.bool('byte_fallback', false),
      ignoreMerges: section.bool('ignore_merges', false),
      dropout,
    },
    (i, problem) => section.fail(i < 0 ? 'vocab' : `merges[${i}]`, problem),
  );
}
