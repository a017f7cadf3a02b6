// Decoders from tokenizer.json: turn token strings back into text (undo byte-level spelling, word-piece prefixes, metaspaces).

import { CHAR_TO_BYTE } from './byte-level.ts';
import { type Section, TokenizerConfigError } from './config.ts';
import { readPattern } from './normalizers.ts';
import { readPrependScheme } from './pre-tokenizers.ts';

export interface Decoder {
  /** Rewrites the token strings; the decoded text is their concatenation. */
  decodeChain(tokens: string[]): string[];
}

const DECODER_TYPES = [
  'WordPiece',
  'ByteLevel',
  'Metaspace',
  'BPEDecoder',
  'ByteFallback',
  'Fuse',
  'Strip',
  'Replace',
  'CTC',
  'Sequence',
] as const;

/** The tidy-up BERT's decoder applies: no space before punctuation and English contractions. */
function cleanup(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function byteLevelDecoder(): Decoder {
  return {
    decodeChain(tokens) {
      const bytes: number[] = [];
      for (const t of tokens) {
        const mapped: number[] = [];
        let ok = true;
        for (const c of t) {
          const b = CHAR_TO_BYTE.get(c);
          if (b === undefined) {
            ok = false;
            break;
          }
          mapped.push(b);
        }
        // A token outside the byte alphabet (an added token, say) contributes its own UTF-8 bytes.
        if (ok) bytes.push(...mapped);
        else bytes.push(...new TextEncoder().encode(t));
      }
      return [utf8.decode(Uint8Array.from(bytes))];
    },
  };
}

/** `<0xAB>` byte tokens grouped and decoded as UTF-8; invalid groups become one U+FFFD per byte. */
function byteFallbackDecoder(): Decoder {
  return {
    decodeChain(tokens) {
      const out: string[] = [];
      let pending: number[] = [];
      const flush = (): void => {
        if (pending.length === 0) return;
        try {
          out.push(strictUtf8.decode(Uint8Array.from(pending)));
        } catch {
          for (let i = 0; i < pending.length; i++) out.push('\ufffd');
        }
        pending = [];
      };
      for (const t of tokens) {
        const m = t.length === 6 && t.startsWith('<0x') && t.endsWith('>') ? /^<0x([0-9A-Fa-f]{2})>$/.exec(t) : null;
        if (m) pending.push(Number.parseInt(m[1]!, 16));
        else {
          flush();
          out.push(t);
        }
      }
      flush();
      return out;
    },
  };
}

function stripDecoder(content: string, start: number, stop: number): Decoder {
  return {
    decodeChain(tokens) {
      return tokens.map((t) => {
        const chars = [...t];
        let startCut = 0;
        for (let i = 0; i < Math.min(start, chars.length); i++) {
          if (chars[i] !== content) break;
          startCut = i + 1;
        }
        let stopCut = chars.length;
        for (let i = 0; i < stop; i++) {
          const index = chars.length - i - 1;
          if (index < 0 || chars[index] !== content) break;
          stopCut = index;
        }
        return chars.slice(startCut, Math.max(startCut, stopCut)).join('');
      });
    },
  };
}

export function buildDecoder(section: Section): Decoder {
  const type = section.type('decoder', DECODER_TYPES);
  switch (type) {
    case 'WordPiece': {
      const prefix = section.string('prefix', '##');
      const clean = section.bool('cleanup', true);
      return {
        decodeChain: (tokens) =>
          tokens.map((t, i) => {
            let s = t;
            if (i !== 0) s = s.startsWith(prefix) ? s.replace(prefix, '') : ` ${s}`;
            return clean ? cleanup(s) : s;
          }),
      };
    }
    case 'ByteLevel':
      return byteLevelDecoder();
    case 'Metaspace': {
      const replacement = section.char('replacement', '\u2581');
      const scheme = readPrependScheme(section);
      return {
        decodeChain: (tokens) =>
          tokens.map((t, i) => {
            let s = '';
            for (const c of t) {
              if (c !== replacement) s += c;
              else if (!(i === 0 && scheme !== 'never')) s += ' ';
            }
            return s;
          }),
      };
    }
    case 'BPEDecoder': {
      const suffix = section.string('suffix', '</w>');
      return { decodeChain: (tokens) => tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? '' : ' ')) };
    }
    case 'ByteFallback':
      return byteFallbackDecoder();
    case 'Fuse':
      return { decodeChain: (tokens) => [tokens.join('')] };
    case 'Strip':
      return stripDecoder(section.char('content', ' '), section.int('start', 0), section.int('stop', 0));
    case 'Replace': {
      const pattern = readPattern(section, 'pattern');
      const content = section.string('content');
      return {
        decodeChain: (tokens) =>
          tokens.map((t) =>
            pattern
              .findMatches(t)
              .map(([a, b, m]) => (m ? content : t.slice(a, b)))
              .join(''),
          ),
      };
    }
    case 'CTC': {
      const pad = section.string('pad_token', '<pad>');
      const delimiter = section.string('word_delimiter_token', '|');
      const clean = section.bool('cleanup', true);
      return {
        decodeChain(tokens) {
          const out: string[] = [];
          tokens.forEach((t, i) => {
            if (i > 0 && t === tokens[i - 1]) return;
            let s = t.replaceAll(pad, '');
            if (clean) s = cleanup(s).replaceAll(delimiter, ' ');
            if (s !== '') out.push(s);
          });
          return out;
        },
      };
    }
    case 'Sequence': {
      const list = section.array('decoders');
      const parts = list.map((_, i) => buildDecoder(section.item('decoders', list, i)));
      return {
        decodeChain(tokens) {
          let out = tokens;
          for (const d of parts) out = d.decodeChain(out);
          return out;
        },
      };
    }
  }
  throw new TokenizerConfigError(section.source, section.at('type'), `unhandled decoder type "${type}"`);
}
