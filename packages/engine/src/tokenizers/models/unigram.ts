// Unigram (SentencePiece): the most likely segmentation of a word into scored pieces, found by Viterbi over a trie.

import { type Section, TokenizationError } from '../config.ts';
import type { Token } from '../pre-tokenized-string.ts';
import { byteToken, type Model } from './model.ts';

/** Unknown characters cost this much less than the worst piece, as in tokenizers and SentencePiece. */
const UNK_PENALTY = 10;

interface TrieNode {
  children: Map<number, TrieNode>;
  /** Id of the piece ending here, or -1. */
  id: number;
}

const encoder = new TextEncoder();

export class Unigram implements Model {
  private readonly pieces: string[];
  private readonly scores: Float64Array;
  private readonly ids = new Map<string, number>();
  private readonly unkId: number | undefined;
  private readonly byteFallback: boolean;
  private readonly minScore: number;
  private readonly root: TrieNode = { children: new Map(), id: -1 };
  // Lattice scratch space, reused across words: allocating typed arrays per word dominated the run time.
  private bestScore = new Float64Array(256);
  private startsAt = new Int32Array(256);
  private bestId = new Int32Array(256);

  constructor(vocab: readonly (readonly [string, number])[], unkId: number | undefined, byteFallback: boolean) {
    this.pieces = vocab.map(([p]) => p);
    this.scores = Float64Array.from(vocab, ([, s]) => s);
    this.unkId = unkId;
    this.byteFallback = byteFallback;
    let min = Number.POSITIVE_INFINITY;
    vocab.forEach(([piece, score], id) => {
      this.ids.set(piece, id);
      if (score < min) min = score;
      let node = this.root;
      for (let i = 0; i < piece.length; i++) {
        const u = piece.charCodeAt(i);
        let child = node.children.get(u);
        if (child === undefined) {
          child = { children: new Map(), id: -1 };
          node.children.set(u, child);
        }
        node = child;
      }
      node.id = id;
    });
    this.minScore = min;
  }

  /** Best segmentation as strings; runs of unknown characters come out fused. */
  private segment(word: string): string[] {
    const size = word.length;
    const unkScore = this.minScore - UNK_PENALTY;
    if (this.startsAt.length < size + 1) {
      const capacity = 2 * (size + 1);
      this.bestScore = new Float64Array(capacity);
      this.startsAt = new Int32Array(capacity);
      this.bestId = new Int32Array(capacity);
    }
    const { bestScore, startsAt, bestId } = this;
    bestScore.fill(0, 0, size + 1);
    startsAt.fill(-1, 0, size + 1);
    for (let start = 0; start < size; ) {
      const base = bestScore[start]!;
      const charLength = word.codePointAt(start)! > 0xffff ? 2 : 1;
      let hasSingle = false;
      let node: TrieNode | undefined = this.root;
      for (let j = start; j < size; j++) {
        node = node.children.get(word.charCodeAt(j));
        if (node === undefined) break;
        if (node.id < 0) continue;
        const end = j + 1;
        const score = base + this.scores[node.id]!;
        if (startsAt[end] === -1 || score > bestScore[end]!) {
          bestScore[end] = score;
          startsAt[end] = start;
          bestId[end] = node.id;
        }
        if (end - start === charLength) hasSingle = true;
      }
      if (!hasSingle) {
        if (this.unkId === undefined) {
          throw new TokenizationError(
            `Unigram cannot encode "${word.slice(start, start + charLength)}" in "${word.slice(0, 40)}": the model has no unk_id`,
          );
        }
        const end = start + charLength;
        const score = base + unkScore;
        if (startsAt[end] === -1 || score > bestScore[end]!) {
          bestScore[end] = score;
          startsAt[end] = start;
          bestId[end] = this.unkId;
        }
      }
      start += charLength;
    }
    const out: string[] = [];
    let pendingUnk: string[] = [];
    for (let end = size; end > 0; ) {
      const start = startsAt[end]!;
      if (this.unkId !== undefined && bestId[end] === this.unkId) pendingUnk.push(word.slice(start, end));
      else {
        if (pendingUnk.length > 0) {
          out.push(pendingUnk.reverse().join(''));
          pendingUnk = [];
        }
        out.push(word.slice(start, end));
      }
      end = start;
    }
    if (pendingUnk.length > 0) out.push(pendingUnk.reverse().join(''));
    return out.reverse();
  }

  tokenize(word: string): Token[] {
    if (word.length === 0) return [];
    const tokens: Token[] = [];
    let offset = 0;
    for (const piece of this.segment(word)) {
      const offsets: [number, number] = [offset, offset + piece.length];
      offset += piece.length;
      const id = this.ids.get(piece);
      if (id !== undefined) {
        tokens.push({ id, value: piece, offsets });
        continue;
      }
      if (this.byteFallback) {
        const bytes = [...encoder.encode(piece)].map((b) => byteToken(b));
        if (bytes.every((b) => this.ids.has(b))) {
          for (const b of bytes) tokens.push({ id: this.ids.get(b)!, value: b, offsets: [offsets[0], offsets[1]] });
          continue;
        }
      }
      // tokenizers keeps the unknown text itself as the token string.
      tokens.push({ id: this.unkId!, value: piece, offsets });
    }
    return tokens;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  entries(): Iterable<[string, number]> {
    return this.ids.entries();
  }
}

export function readUnigram(section: Section): Unigram {
  const list = section.array('vocab');
  const vocab = list.map((entry, i): [string, number] => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      return section.fail(`vocab[${i}]`, `a Unigram piece must be ["piece", score], got ${JSON.stringify(entry)}`);
    }
    return [entry[0], entry[1]];
  });
  const unkId = section.optionalInt('unk_id');
  if (unkId !== undefined && unkId >= vocab.length)
    section.fail('unk_id', `is ${unkId} but the vocabulary has only ${vocab.length} pieces`);
  return new Unigram(vocab, unkId, section.bool('byte_fallback', false));
}
