// Post-processors from tokenizer.json: add special tokens around the encoded texts, set type ids, and trim byte-level offsets.

import { BYTE_TO_CHAR } from './byte-level.ts';
import { isWhitespace } from './char-classes.ts';
import { type Section, TokenizerConfigError } from './config.ts';
import { EncodingState } from './encoding.ts';

export interface PostProcessor {
  /** How many tokens processing adds to a single text or a pair, so truncation can leave room for them. */
  addedTokens(isPair: boolean): number;
  processEncodings(encodings: EncodingState[], addSpecialTokens: boolean): EncodingState[];
}

const POST_PROCESSOR_TYPES = ['TemplateProcessing', 'BertProcessing', 'RobertaProcessing', 'ByteLevel', 'Sequence'] as const;

/** tokenizers' PostProcessor::process: tag sequence ids, process, then concatenate. */
export function postProcess(
  processor: PostProcessor | null,
  encoding: EncodingState,
  pair: EncodingState | null,
  addSpecialTokens: boolean,
): EncodingState {
  // Without a processor a single text is left as it is, sequence ranges unset.
  if (processor === null && pair === null) return encoding;
  const encodings = pair === null ? [encoding] : [encoding, pair];
  encodings.forEach((e, i) => {
    e.setSequenceId(i);
  });
  const processed = processor === null ? encodings : processor.processEncodings(encodings, addSpecialTokens);
  const merged = new EncodingState();
  for (const e of processed) merged.mergeWith(e, false);
  return merged;
}

/** A plain (id, token) special token as BertProcessing and RobertaProcessing store them: `["[CLS]", 101]`. */
/** Token ids are u32 in tokenizers: a negative or fractional id would reach the model as an index. */
function isTokenId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function readTokenPair(section: Section, key: string): [string, number] {
  const v = section.raw[key];
  if (!Array.isArray(v) || typeof v[0] !== 'string' || !isTokenId(v[1]))
    section.fail(key, `must be ["token", id] with an id that is an integer, 0 or more, got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

/** Surrounds one encoding (and its overflowing windows) with special tokens; the sequence range excludes them. */
function wrap(
  e: EncodingState,
  sequence: number,
  before: [string, number] | null,
  after: [string, number],
  typeIds: (e: EncodingState) => number[],
): EncodingState {
  const out = new EncodingState();
  if (before !== null) out.push(before[1], before[0], [0, 0], null, 0, 1);
  const types = typeIds(e);
  for (let i = 0; i < e.length; i++) out.push(e.ids[i]!, e.tokens[i]!, e.offsets[i]!, e.words[i]!, 0, 0);
  out.push(after[1], after[0], [0, 0], null, 0, 1);
  out.typeIds = types;
  const first = before === null ? 0 : 1;
  out.sequenceRanges.set(sequence, [first, first + e.length]);
  return out;
}

/** `offset` moved by `count` characters of `text` (forwards, or backwards when negative), or null past the text's start. */
function stepChars(text: string, offset: number, count: number): number | null {
  let at = offset;
  for (let k = 0; k < Math.abs(count); k++) {
    if (count > 0) {
      const u = text.charCodeAt(at);
      at += u >= 0xd800 && u <= 0xdbff && at + 1 < text.length ? 2 : 1;
    } else {
      if (at <= 0) return null;
      const u = text.charCodeAt(at - 1);
      at -= u >= 0xdc00 && u <= 0xdfff && at >= 2 ? 2 : 1;
    }
  }
  return at;
}

/**
 * Moves offsets off the leading/trailing spaces of byte-level tokens (tokenizers' process_offsets). tokenizers
 * does this arithmetic on character offsets, so the spaces are counted as characters of the text here too.
 */
export function trimByteLevelOffsets(e: EncodingState, addPrefixSpace: boolean): void {
  const space = BYTE_TO_CHAR[0x20]!;
  const isSpace = (c: string): boolean => c === space || isWhitespace(c.codePointAt(0)!);
  e.tokens.forEach((token, i) => {
    const chars = [...token];
    let leading = 0;
    while (leading < chars.length && isSpace(chars[leading]!)) leading++;
    let trailing = 0;
    while (trailing < chars.length && isSpace(chars[chars.length - 1 - trailing]!)) trailing++;
    if (leading === 0 && trailing === 0) return;
    let [start, end] = e.offsets[i]!;
    if (leading > 0) {
      const isFirst = i === 0 || start === 0;
      // With add_prefix_space the first token's leading space was added, not read, so it has no width to remove.
      if (isFirst && addPrefixSpace && leading === 1) leading = 0;
      start = Math.min(stepChars(e.text, start, leading)!, end);
    }
    if (trailing > 0) {
      const back = stepChars(e.text, end, -trailing);
      if (back !== null) end = Math.max(back, start);
    }
    // A fresh pair: overflowing windows share offset pairs with the encoding they were cut from.
    e.offsets[i] = [start, end];
  });
}

function trimAll(encodings: readonly EncodingState[], addPrefixSpace: boolean): void {
  for (const e of encodings) {
    trimByteLevelOffsets(e, addPrefixSpace);
    for (const o of e.overflowing) trimByteLevelOffsets(o, addPrefixSpace);
  }
}

interface SpecialTokenEntry {
  ids: number[];
  tokens: string[];
}

type Piece = { kind: 'sequence'; second: boolean; typeId: number } | { kind: 'special'; id: string; typeId: number };

/** Parses a template piece written as a string: `$A`, `$B:1`, `$1`, `[CLS]`, `[SEP]:1`. */
function parsePieceString(s: string, fail: (problem: string) => never): Piece {
  if (s.startsWith('$')) {
    const rest = s.slice(1);
    const [seq = '', type] = rest.split(':');
    if (/^\d+$/.test(seq) && type === undefined) return { kind: 'sequence', second: false, typeId: Number(seq) };
    const typeId = type === undefined ? 0 : Number(type);
    if (!/^[AaBb]?$/.test(seq) || !Number.isInteger(typeId)) fail(`"${s}" is not a sequence piece ($A, $B, $A:1, $1)`);
    return { kind: 'sequence', second: seq === 'B' || seq === 'b', typeId };
  }
  const colon = s.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(s.slice(colon + 1))) return { kind: 'special', id: s.slice(0, colon), typeId: Number(s.slice(colon + 1)) };
  return { kind: 'special', id: s, typeId: 0 };
}

function readTemplate(section: Section, key: string, specials: Map<string, SpecialTokenEntry>): Piece[] {
  const v = section.raw[key];
  const list: unknown[] =
    typeof v === 'string' ? v.split(/\s+/).filter((p) => p !== '') : Array.isArray(v) ? v : section.fail(key, 'must be a list of pieces');
  return list.map((p, i) => {
    const fail = (problem: string): never => section.fail(`${key}[${i}]`, problem);
    let piece: Piece;
    if (typeof p === 'string') piece = parsePieceString(p, fail);
    else {
      const item = section.item(key, list, i);
      if (item.has('Sequence')) {
        const s = item.object('Sequence');
        piece = { kind: 'sequence', second: s.oneOf('id', ['A', 'B'] as const) === 'B', typeId: s.int('type_id', 0) };
      } else if (item.has('SpecialToken')) {
        const s = item.object('SpecialToken');
        piece = { kind: 'special', id: s.string('id'), typeId: s.int('type_id', 0) };
      } else return fail('must be {"Sequence": ...} or {"SpecialToken": ...}');
    }
    if (piece.kind === 'special' && !specials.has(piece.id)) fail(`uses special token "${piece.id}", which is missing from special_tokens`);
    return piece;
  });
}

function templateProcessing(section: Section): PostProcessor {
  const specials = new Map<string, SpecialTokenEntry>();
  const rawSpecials = section.has('special_tokens') ? section.object('special_tokens') : null;
  for (const key of Object.keys(rawSpecials?.raw ?? {})) {
    const s = rawSpecials!.object(key);
    const ids = s.array('ids');
    const tokens = s.array('tokens');
    if (ids.length !== tokens.length || !ids.every(isTokenId) || !tokens.every((x) => typeof x === 'string')) {
      s.fail('ids', 'ids and tokens must be lists of token ids (integers, 0 or more) and strings of the same length');
    }
    specials.set(s.string('id', key), { ids: ids as number[], tokens: tokens as string[] });
  }
  const single = readTemplate(section, 'single', specials);
  const pair = readTemplate(section, 'pair', specials);
  const count = (t: Piece[]): number => t.reduce((n, p) => n + (p.kind === 'special' ? specials.get(p.id)!.ids.length : 0), 0);
  const addedSingle = count(single);
  const addedPair = count(pair);

  /** Lays the template out over one encoding (and pair); every overflowing combination gets the template too. */
  const apply = (template: Piece[], a: EncodingState, b: EncodingState | null, addSpecialTokens: boolean): EncodingState => {
    // The windows are copied, not taken, so a window combined with the other full sequence carries that
    // sequence's windows again as nested combinations, as tokenizers produces them.
    const bOverflowing = b?.overflowing ?? [];
    const aOverflowing = a.overflowing;
    const overflowing: EncodingState[] = [];
    for (const o of aOverflowing) {
      overflowing.push(apply(template, o.clone(), b?.clone() ?? null, addSpecialTokens));
      for (const p of bOverflowing) overflowing.push(apply(template, o.clone(), p.clone(), addSpecialTokens));
    }
    for (const p of bOverflowing) overflowing.push(apply(template, a.clone(), p.clone(), addSpecialTokens));

    const out = new EncodingState();
    for (const piece of template) {
      if (piece.kind === 'special') {
        if (!addSpecialTokens) continue;
        const tok = specials.get(piece.id)!;
        tok.ids.forEach((id, k) => {
          out.push(id, tok.tokens[k]!, [0, 0], null, piece.typeId, 1);
        });
        continue;
      }
      const e = piece.second ? b : a;
      if (e === null) continue;
      const start = out.length;
      for (let i = 0; i < e.length; i++) {
        out.ids.push(e.ids[i]!);
        out.typeIds.push(piece.typeId);
        out.tokens.push(e.tokens[i]!);
        out.words.push(e.words[i]!);
        out.offsets.push(e.offsets[i]!);
        out.specialTokensMask.push(e.specialTokensMask[i]!);
        out.attentionMask.push(e.attentionMask[i]!);
      }
      out.sequenceRanges.set(piece.second ? 1 : 0, [start, out.length]);
    }
    out.overflowing = overflowing;
    return out;
  };

  return {
    addedTokens: (isPair) => (isPair ? addedPair : addedSingle),
    processEncodings(encodings, addSpecialTokens) {
      const [a, b = null] = encodings;
      return [apply(encodings.length === 2 ? pair : single, a!, b, addSpecialTokens)];
    },
  };
}

export function buildPostProcessor(section: Section): PostProcessor {
  const type = section.type('post-processor', POST_PROCESSOR_TYPES);
  switch (type) {
    case 'TemplateProcessing':
      return templateProcessing(section);
    case 'BertProcessing': {
      const sep = readTokenPair(section, 'sep');
      const cls = readTokenPair(section, 'cls');
      return {
        addedTokens: (isPair) => (isPair ? 3 : 2),
        processEncodings(encodings, addSpecialTokens) {
          if (!addSpecialTokens) return encodings;
          return encodings.map((e, i) => {
            const first = i === 0;
            const types = (x: EncodingState): number[] => (first ? [0, ...x.typeIds, 0] : [...x.typeIds, 1]);
            const out = wrap(e, i, first ? cls : null, sep, types);
            out.overflowing = e.overflowing.map((o) => wrap(o, i, first ? cls : null, sep, types));
            return out;
          });
        },
      };
    }
    case 'RobertaProcessing': {
      const sep = readTokenPair(section, 'sep');
      const cls = readTokenPair(section, 'cls');
      const trim = section.bool('trim_offsets', true);
      const addPrefixSpace = section.bool('add_prefix_space', true);
      return {
        addedTokens: (isPair) => (isPair ? 4 : 2),
        processEncodings(encodings, addSpecialTokens) {
          if (trim) trimAll(encodings, addPrefixSpace);
          // RoBERTa gives every token type id 0.
          for (const e of encodings) e.setTypeIds(0);
          if (!addSpecialTokens) return encodings;
          const zeros = (x: EncodingState): number[] => new Array<number>(x.length + 2).fill(0);
          return encodings.map((e, i) => {
            const open = i === 0 ? cls : sep;
            const out = wrap(e, i, open, sep, zeros);
            out.overflowing = e.overflowing.map((o) => wrap(o, i, open, sep, zeros));
            return out;
          });
        },
      };
    }
    case 'ByteLevel': {
      const trim = section.bool('trim_offsets', true);
      const addPrefixSpace = section.bool('add_prefix_space', true);
      return {
        addedTokens: () => 0,
        processEncodings(encodings) {
          if (trim) trimAll(encodings, addPrefixSpace);
          encodings.forEach((e, i) => {
            e.setSequenceId(i);
          });
          return encodings;
        },
      };
    }
    case 'Sequence': {
      const list = section.array('processors');
      const parts = list.map((_, i) => buildPostProcessor(section.item('processors', list, i)));
      return {
        addedTokens: (isPair) => parts.reduce((n, p) => n + p.addedTokens(isPair), 0),
        processEncodings(encodings, addSpecialTokens) {
          let out = encodings;
          for (const p of parts) out = p.processEncodings(out, addSpecialTokens);
          return out;
        },
      };
    }
  }
  throw new TokenizerConfigError(section.source, section.at('type'), `unhandled post-processor type "${type}"`);
}
