// Dataset files as bytes under a size limit, decoded as UTF-8 in line-aligned chunks that remember where each invalid byte was.

import { readFile, stat } from 'node:fs/promises';
import { DatasetError } from './issues.ts';

/** A file path, or an upload already in memory (a string is taken as its text). */
export type DataSource = string | { name: string; content: Uint8Array | string };

/** 1 GiB. */
export const DEFAULT_MAX_BYTES = 1024 ** 3;

export interface SourceBytes {
  /** The path or upload name, for messages. */
  name: string;
  bytes: Uint8Array;
}

export function sourceName(source: DataSource): string {
  return typeof source === 'string' ? source : source.name;
}

function describeBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function tooLarge(name: string, size: number, maxBytes: number): DatasetError {
  return new DatasetError([
    {
      file: name,
      message: `the file is ${describeBytes(size)} (${size} bytes), over the ${describeBytes(maxBytes)} limit; split it into smaller files or raise maxBytes`,
    },
  ]);
}

/** Reads a source's bytes, refusing (before reading) anything larger than `maxBytes`. */
export async function readSourceBytes(source: DataSource, maxBytes = DEFAULT_MAX_BYTES): Promise<SourceBytes> {
  if (typeof source !== 'string') {
    const bytes = typeof source.content === 'string' ? new TextEncoder().encode(source.content) : source.content;
    if (bytes.length > maxBytes) throw tooLarge(source.name, bytes.length, maxBytes);
    return { name: source.name, bytes };
  }
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DatasetError([{ file: source, message: `cannot read the file (${code}); check the path` }]);
  }
  if (size > maxBytes) throw tooLarge(source, size, maxBytes);
  const bytes = await readFile(source);
  // The file may have grown between stat and read.
  if (bytes.length > maxBytes) throw tooLarge(source, bytes.length, maxBytes);
  return { name: source, bytes };
}

/** A byte sequence that is not UTF-8, replaced by U+FFFD in the decoded text. */
export interface InvalidByte {
  /** Index of the U+FFFD in the chunk's text. */
  index: number;
  /** Byte offset of the bad sequence in the file. */
  offset: number;
  /** Its first byte. */
  byte: number;
}

export interface TextChunk {
  text: string;
  invalid: InvalidByte[];
}

export function describeInvalidByte(b: InvalidByte): string {
  return `invalid UTF-8 (byte 0x${b.byte.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${b.offset}); save the file with UTF-8 encoding`;
}

/** 16 MiB: big enough to decode quickly, small enough that no single string nears V8's length limit. */
const CHUNK_BYTES = 16 * 1024 * 1024;

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes the bytes in chunks that end just after a line feed (0x0A never occurs inside a UTF-8 sequence), so a
 * file near the 1 GiB limit never has to become one string. The byte-order mark is dropped.
 */
export function* decodeChunks(bytes: Uint8Array, chunkBytes = CHUNK_BYTES): Generator<TextChunk> {
  let pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (pos < bytes.length) {
    let end = Math.min(pos + chunkBytes, bytes.length);
    if (end < bytes.length) {
      const lf = bytes.indexOf(0x0a, end - 1);
      end = lf < 0 ? bytes.length : lf + 1;
    }
    yield decodeRange(bytes, pos, end);
    pos = end;
  }
}

function decodeRange(bytes: Uint8Array, from: number, to: number): TextChunk {
  const view = bytes.subarray(from, to);
  try {
    return { text: fatal.decode(view), invalid: [] };
  } catch {
    // Only a chunk with bad bytes pays for the byte-by-byte walk that finds them.
  }
  const parts: string[] = [];
  const invalid: InvalidByte[] = [];
  let length = 0;
  let run = from;
  let i = from;
  while (i < to) {
    const n = validSequenceLength(bytes, i, to);
    if (n > 0) {
      i += n;
      continue;
    }
    if (run < i) {
      const s = lenient.decode(bytes.subarray(run, i));
      parts.push(s);
      length += s.length;
    }
    invalid.push({ index: length, offset: i, byte: bytes[i] as number });
    parts.push('\uFFFD');
    length += 1;
    i += Math.max(1, -n);
    run = i;
  }
  if (run < to) parts.push(lenient.decode(bytes.subarray(run, to)));
  return { text: parts.join(''), invalid };
}

const isContinuation = (b: number | undefined): boolean => b !== undefined && b >= 0x80 && b <= 0xbf;

/**
 * The length of the well-formed UTF-8 sequence at `i`, or minus the length of its maximal ill-formed prefix (at
 * least 1), which the WHATWG decoder replaces by a single U+FFFD.
 */
function validSequenceLength(bytes: Uint8Array, i: number, to: number): number {
  const b = bytes[i] as number;
  if (b < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) need = 1;
  else if (b >= 0xe0 && b <= 0xef) {
    need = 2;
    if (b === 0xe0) lo = 0xa0;
    if (b === 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    need = 3;
    if (b === 0xf0) lo = 0x90;
    if (b === 0xf4) hi = 0x8f;
  } else return -1;
  for (let k = 1; k <= need; k++) {
    const c = i + k < to ? bytes[i + k] : undefined;
    const ok = k === 1 ? c !== undefined && c >= lo && c <= hi : isContinuation(c);
    if (!ok) return -k;
  }
  return need + 1;
}
