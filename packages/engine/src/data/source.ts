// Dataset files under a size limit, read a block at a time and decoded as UTF-8 in line-aligned chunks that remember
// where each invalid byte was, so a file is never one string and never wholly in memory.

import { open, readFile, stat } from 'node:fs/promises';
import { DatasetError } from './issues.ts';

/**
 * A file path; a file under another name (an upload kept under an id: the name goes in messages and gives the
 * format); or an upload already in memory (a string is taken as its text).
 */
export type DataSource = string | { name: string; path: string } | { name: string; content: Uint8Array | string };

/** The file a source reads, or undefined for one in memory. */
function pathOf(source: DataSource): string | undefined {
  return typeof source === 'string' ? source : 'path' in source ? source.path : undefined;
}

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

/** A source's size in bytes (0 when it cannot be read: reading it then says why). */
export async function sourceSize(source: DataSource): Promise<number> {
  const path = pathOf(source);
  if (path === undefined) {
    const { content } = source as { content: Uint8Array | string };
    return typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  }
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** Reads a source's bytes, refusing (before reading) anything larger than `maxBytes`. */
export async function readSourceBytes(source: DataSource, maxBytes = DEFAULT_MAX_BYTES): Promise<SourceBytes> {
  if (typeof source !== 'string' && 'content' in source) {
    const bytes = typeof source.content === 'string' ? new TextEncoder().encode(source.content) : source.content;
    if (bytes.length > maxBytes) throw tooLarge(source.name, bytes.length, maxBytes);
    return { name: source.name, bytes };
  }
  const name = sourceName(source);
  const path = pathOf(source) as string;
  const size = await fileSize(name, path);
  if (size > maxBytes) throw tooLarge(name, size, maxBytes);
  const bytes = await readFile(path);
  // The file may have grown between stat and read.
  if (bytes.length > maxBytes) throw tooLarge(name, bytes.length, maxBytes);
  return { name, bytes };
}

/**
 * 'UTF-16LE' or 'UTF-16BE' when `bytes` start with that byte order mark, or (without one) when the first
 * characters alternate with NUL bytes as ASCII text in UTF-16 does; undefined otherwise (UTF-8 text has no NULs).
 */
export function utf16Encoding(bytes: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16LE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16BE';
  const n = Math.min(bytes.length, 64) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  if (oddNul * 2 >= n / 2 && evenNul === 0) return 'UTF-16LE';
  if (evenNul * 2 >= n / 2 && oddNul === 0) return 'UTF-16BE';
  return undefined;
}

/** Decoded as UTF-8, a UTF-16 file would be an issue per row; one message says what is wrong and how to fix it. */
function refuseUtf16(name: string, head: Uint8Array): void {
  const utf16 = utf16Encoding(head);
  if (!utf16) return;
  throw new DatasetError([
    {
      file: name,
      message: `the file is ${utf16} text; save it as UTF-8 (a spreadsheet's "CSV UTF-8" format, or an editor's UTF-8 encoding) and upload it again`,
    },
  ]);
}

/**
 * A source's text in line-aligned chunks of about `chunkBytes`: a file is read a block at a time (only one block
 * and the line it ends inside are held), an upload in memory is decoded in place. The size limit is checked before
 * reading, UTF-16 is refused with one issue, and the UTF-8 byte-order mark is dropped.
 */
export async function* sourceChunks(source: DataSource, maxBytes = DEFAULT_MAX_BYTES, chunkBytes = CHUNK_BYTES): AsyncGenerator<TextChunk> {
  const path = pathOf(source);
  const name = sourceName(source);
  if (path === undefined) {
    const { bytes } = await readSourceBytes(source, maxBytes);
    refuseUtf16(name, bytes);
    yield* decodeChunks(bytes, chunkBytes);
    return;
  }
  const size = await fileSize(name, path);
  if (size > maxBytes) throw tooLarge(name, size, maxBytes);
  const handle = await open(path);
  try {
    // `carry` holds the bytes after the last line feed read so far; `carryOffset` is its first byte's place in the file.
    let carry: Uint8Array = new Uint8Array(0);
    let carryOffset = 0;
    let read = 0;
    let first = true;
    for (;;) {
      const block = new Uint8Array(chunkBytes);
      const { bytesRead } = await handle.read(block, 0, chunkBytes, null);
      read += bytesRead;
      // The file may have grown since stat.
      if (read > maxBytes) throw tooLarge(name, read, maxBytes);
      const data = carry.length === 0 ? block.subarray(0, bytesRead) : concat(carry, block.subarray(0, bytesRead));
      let start = 0;
      if (first && (data.length >= 64 || bytesRead === 0)) {
        refuseUtf16(name, data);
        if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) start = 3;
        first = false;
      }
      if (bytesRead === 0) {
        if (start < data.length) yield decodeRange(data, start, data.length, carryOffset);
        return;
      }
      const lf = first ? -1 : data.lastIndexOf(0x0a);
      if (lf < start) {
        carry = data;
        continue;
      }
      yield decodeRange(data, start, lf + 1, carryOffset);
      carry = data.slice(lf + 1);
      carryOffset += lf + 1;
    }
  } finally {
    await handle.close();
  }
}

async function fileSize(name: string, path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DatasetError([{ file: name, message: `cannot read the file (${code}); check the path` }]);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
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
  /** Bytes of the source read up to the end of this chunk (for progress). */
  end: number;
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
    yield decodeRange(bytes, pos, end, 0);
    pos = end;
  }
}

/** Decodes bytes[from, to); `base` is bytes[0]'s offset in the file, for the offsets of invalid bytes. */
function decodeRange(bytes: Uint8Array, from: number, to: number, base: number): TextChunk {
  const view = bytes.subarray(from, to);
  try {
    return { text: fatal.decode(view), invalid: [], end: base + to };
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
    invalid.push({ index: length, offset: base + i, byte: bytes[i] as number });
    parts.push('\uFFFD');
    length += 1;
    i += Math.max(1, -n);
    run = i;
  }
  if (run < to) parts.push(lenient.decode(bytes.subarray(run, to)));
  return { text: parts.join(''), invalid, end: base + to };
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
