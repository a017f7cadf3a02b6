// Added tokens (special and normal): found in the text before the model runs, honouring lstrip/rstrip/single_word/normalized.

import { isWhitespace, RUST_WORD_CLASS } from './char-classes.ts';
import type { Section } from './config.ts';
import { NormalizedString } from './normalized-string.ts';
import type { Normalizer } from './normalizers.ts';
import { PreTokenizedString, type Split } from './pre-tokenized-string.ts';

export interface AddedToken {
  id: number;
  content: string;
  /** Only match when not inside a word. */
  singleWord: boolean;
  /** Swallow the whitespace on the left into the token. */
  lstrip: boolean;
  /** Swallow the whitespace on the right into the token. */
  rstrip: boolean;
  /** Match against the normalized text (with the content normalized too) rather than the raw text. */
  normalized: boolean;
  /** Dropped by `decode(..., { skipSpecialTokens: true })`. */
  special: boolean;
}

interface TrieNode {
  children: Map<number, TrieNode>;
  token: AddedToken | null;
}

/** Leftmost-longest, non-overlapping matching of a set of strings (aho-corasick's LeftmostLongest). */
class Matcher {
  private readonly root: TrieNode = { children: new Map(), token: null };
  private readonly firstUnits = new Set<number>();

  constructor(entries: readonly [string, AddedToken][]) {
    for (const [pattern, token] of entries) {
      if (pattern === '') continue;
      this.firstUnits.add(pattern.charCodeAt(0));
      let node = this.root;
      for (let i = 0; i < pattern.length; i++) {
        const u = pattern.charCodeAt(i);
        let child = node.children.get(u);
        if (child === undefined) {
          child = { children: new Map(), token: null };
          node.children.set(u, child);
        }
        node = child;
      }
      node.token ??= token;
    }
  }

  get empty(): boolean {
    return this.root.children.size === 0;
  }

  *matches(s: string): Generator<[number, number, AddedToken]> {
    for (let i = 0; i < s.length; ) {
      if (!this.firstUnits.has(s.charCodeAt(i))) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = this.root;
      let best: [number, AddedToken] | null = null;
      for (let j = i; j < s.length; j++) {
        node = node.children.get(s.charCodeAt(j));
        if (node === undefined) break;
        if (node.token !== null) best = [j + 1, node.token];
      }
      if (best === null) {
        i++;
        continue;
      }
      yield [i, best[0], best[1]];
      i = best[0];
    }
  }
}

const WORD_CHAR = new RegExp(`^[${RUST_WORD_CLASS}]$`, 'u');
const isWordChar = (ch: string | undefined): boolean => ch !== undefined && WORD_CHAR.test(ch);

function lastChar(s: string, end: number): string | undefined {
  if (end <= 0) return undefined;
  const lo = s.charCodeAt(end - 1);
  const start = lo >= 0xdc00 && lo <= 0xdfff && end >= 2 ? end - 2 : end - 1;
  return String.fromCodePoint(s.codePointAt(start)!);
}

function firstChar(s: string, start: number): string | undefined {
  return start < s.length ? String.fromCodePoint(s.codePointAt(start)!) : undefined;
}

export class AddedVocabulary {
  readonly tokens: readonly AddedToken[];
  private readonly byContent = new Map<string, AddedToken>();
  private readonly byId = new Map<number, AddedToken>();
  /** What ids read back as: tokenizers 0.23 gives a normalized added token its normalized content. */
  private readonly spelling = new Map<number, string>();
  private readonly specials = new Set<string>();
  private readonly raw: Matcher;
  private readonly normalizedMatcher: Matcher;

  constructor(tokens: readonly AddedToken[], normalizer: Normalizer | null) {
    this.tokens = tokens;
    for (const t of tokens) {
      this.byContent.set(t.content, t);
      this.byId.set(t.id, t);
      if (t.special) this.specials.add(t.content);
    }
    // Special tokens come first, as tokenizers orders its patterns.
    const ordered = [...tokens.filter((t) => t.special), ...tokens.filter((t) => !t.special)];
    this.raw = new Matcher(ordered.filter((t) => !t.normalized).map((t) => [t.content, t]));
    const normalizedEntries = ordered
      .filter((t) => t.normalized)
      .map((t): [string, AddedToken] => {
        const n = NormalizedString.fromText(t.content);
        normalizer?.normalize(n);
        return [n.normalized, t];
      });
    this.normalizedMatcher = new Matcher(normalizedEntries);
    for (const t of tokens) this.spelling.set(t.id, t.content);
    for (const [normalized, t] of normalizedEntries) this.spelling.set(t.id, normalized);
  }

  tokenToId(content: string): number | undefined {
    return this.byContent.get(content)?.id;
  }

  idToToken(id: number): string | undefined {
    return this.spelling.get(id);
  }

  isSpecial(content: string): boolean {
    return this.specials.has(content);
  }

  /** The ids of the special tokens ([CLS], [SEP], [PAD], [MASK]...). */
  specialIds(): number[] {
    return this.tokens.filter((t) => t.special).map((t) => t.id);
  }

  /** Splits around added tokens in the raw text, normalizes the rest, then splits around normalized added tokens. */
  extractAndNormalize(normalizer: Normalizer | null, text: string): PreTokenizedString {
    const pre = new PreTokenizedString(text);
    if (!this.raw.empty) pre.split((_, piece) => this.splitOn(piece, this.raw));
    pre.split((_, piece) => {
      normalizer?.normalize(piece);
      return this.normalizedMatcher.empty ? [piece] : this.splitOn(piece, this.normalizedMatcher);
    });
    return pre;
  }

  private splitOn(piece: NormalizedString, matcher: Matcher): (NormalizedString | Split)[] {
    const s = piece.normalized;
    const out: (NormalizedString | Split)[] = [];
    let consumed = 0;
    for (const match of matcher.matches(s)) {
      let [start, stop] = match;
      const token = match[2];
      if (token.singleWord) {
        const startSpace = start === 0 || !isWordChar(lastChar(s, start));
        const stopSpace = stop === s.length || !isWordChar(firstChar(s, stop));
        if (!startSpace || !stopSpace) continue;
      }
      if (token.lstrip) {
        let newStart = start;
        while (newStart > 0) {
          const ch = lastChar(s, newStart)!;
          if (!isWhitespace(ch.codePointAt(0)!)) break;
          newStart -= ch.length;
        }
        // Whitespace an earlier match already took stays with it.
        start = Math.max(newStart, consumed);
      }
      if (token.rstrip) {
        while (stop < s.length) {
          const ch = firstChar(s, stop)!;
          if (!isWhitespace(ch.codePointAt(0)!)) break;
          stop += ch.length;
        }
      }
      if (consumed < start) out.push(piece.slice(consumed, start));
      const slice = piece.slice(start, stop);
      out.push({ normalized: slice, tokens: [{ id: token.id, value: slice.normalized, offsets: [0, slice.length] }] });
      consumed = stop;
    }
    if (consumed === 0 && out.length === 0) return [piece];
    if (consumed !== s.length) out.push(piece.slice(consumed, s.length));
    return out;
  }
}

export function readAddedTokens(section: Section, list: readonly unknown[]): AddedToken[] {
  return list.map((_, i) => {
    const t = section.item('added_tokens', list, i);
    return {
      id: t.int('id'),
      content: t.string('content'),
      singleWord: t.bool('single_word', false),
      lstrip: t.bool('lstrip', false),
      rstrip: t.bool('rstrip', false),
      normalized: t.bool('normalized', !t.bool('special', false)),
      special: t.bool('special', false),
    };
  });
}
