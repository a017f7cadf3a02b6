// Translating the Oniguruma patterns of tokenizer.json (Split, Replace) into JS regular expressions with the same meaning.

import { ONIG_WORD_CLASS, WHITESPACE_CLASS } from './char-classes.ts';

/** A pattern that has no JS equivalent; the caller turns it into a config error naming the component. */
export class UnsupportedRegexError extends Error {
  override name = 'UnsupportedRegexError';
}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

function propertyEscape(negated: boolean, name: string): string {
  const p = negated ? 'P' : 'p';
  for (const candidate of [name, `Script=${name}`, name.replace(/^Is/, ''), `Script=${name.replace(/^Is/, '')}`]) {
    try {
      new RegExp(`\\${p}{${candidate}}`, 'u');
      return `\\${p}{${candidate}}`;
    } catch {
      // Not valid under that spelling; try the next.
    }
  }
  throw new UnsupportedRegexError(`unknown Unicode property \\${p}{${name}}`);
}

/**
 * Rewrites an Oniguruma (Ruby syntax) pattern for JS's `u` mode: `\s`, `\w` and `\d` become their Unicode
 * classes (JS reads them as ASCII or a slightly different set), `\p{Han}` gains `Script=`, `\x{..}` becomes
 * `\u{..}`, and a leading `(?i)` becomes the `i` flag. Possessive quantifiers and atomic groups have no JS
 * equivalent and are refused.
 */
export function translateOnigPattern(source: string): { source: string; flags: string } {
  let flags = '';
  let s = source;
  const leading = /^\(\?([imx]+)\)/.exec(s);
  if (leading) {
    if (leading[1]!.includes('x')) throw new UnsupportedRegexError('extended mode (?x) is not supported');
    if (leading[1]!.includes('i')) flags += 'i';
    if (leading[1]!.includes('m')) flags += 's';
    s = s.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined) throw new UnsupportedRegexError('pattern ends with a lone backslash');
      i++;
      switch (n) {
        case 's':
          out += inClass ? WHITESPACE_CLASS : `[${WHITESPACE_CLASS}]`;
          break;
        case 'S':
          out += inClass ? '\\S' : `[^${WHITESPACE_CLASS}]`;
          break;
        case 'w':
          out += inClass ? ONIG_WORD_CLASS : `[${ONIG_WORD_CLASS}]`;
          break;
        case 'W':
          out += inClass ? '\\W' : `[^${ONIG_WORD_CLASS}]`;
          break;
        case 'd':
          out += '\\p{Nd}';
          break;
        case 'D':
          out += '\\P{Nd}';
          break;
        case 'h':
          out += inClass ? '0-9a-fA-F' : '[0-9a-fA-F]';
          break;
        case 'A':
          out += '^';
          break;
        case 'z':
          out += '$';
          break;
        case 'p':
        case 'P': {
          const m = /^\{(\^?)([A-Za-z_ =]+)\}/.exec(s.slice(i + 1));
          if (!m) throw new UnsupportedRegexError(`malformed property escape at ${i - 1}`);
          out += propertyEscape((n === 'P') !== (m[1] === '^'), m[2]!);
          i += m[0].length;
          break;
        }
        case 'x': {
          const m = /^\{([0-9a-fA-F]+)\}/.exec(s.slice(i + 1));
          if (m) {
            out += `\\u{${m[1]}}`;
            i += m[0].length;
          } else {
            out += '\\x';
          }
          break;
        }
        default:
          if (/[A-Za-z0-9]/.test(n)) out += `\\${n}`;
          else if (JS_SYNTAX.has(n) || (inClass && n === '-')) out += `\\${n}`;
          else out += n;
      }
      continue;
    }
    if (inClass) {
      if (c === '[') throw new UnsupportedRegexError('nested character classes are not supported');
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (s[i + 1] === '^') {
        out += '^';
        i++;
      }
      // A `]` right after `[` or `[^` is a literal in Oniguruma.
      if (s[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && s[i + 1] === '?' && s[i + 2] === '>') throw new UnsupportedRegexError('atomic groups (?>...) are not supported');
    if ((c === '+' || c === '*' || c === '?' || c === '}') && s[i + 1] === '+' && out !== '') {
      throw new UnsupportedRegexError('possessive quantifiers are not supported');
    }
    out += c;
  }
  return { source: out, flags };
}

/** A global, Unicode-aware JS RegExp for an Oniguruma pattern. */
export function compileOnigPattern(source: string): RegExp {
  const t = translateOnigPattern(source);
  try {
    return new RegExp(t.source, `gu${t.flags}`);
  } catch (err) {
    throw new UnsupportedRegexError(`cannot compile as a JS regular expression (${(err as Error).message})`);
  }
}

/** GPT-2's word-splitting pattern, used by the ByteLevel pre-tokenizer. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
