// Reads and writes safetensors files with the official library's checks and byte layout (huggingface/safetensors 0.8).

import { type FileHandle, open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { type StagedFile, stageFile, writeAll } from './atomic.ts';
import { CheckpointError, ioError } from './errors.ts';
import { decodeBf16, decodeF16, encodeBf16, encodeF16 } from './float16.ts';

/** Element types TuneQL reads and writes. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type FloatDtype = 'F64' | 'F32' | 'F16' | 'BF16';

export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];

const ITEM_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

// Dtypes the format defines that TuneQL has no typed array for; named so the error says "unsupported", not "unknown".
const UNSUPPORTED_DTYPES = [
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'U16',
  'U32',
  'U64',
  'C64',
];

// The Rust library's Dtype enum order; the writer lays tensors out by descending rank, then by name, as it does.
const DTYPE_RANK: Record<SafetensorsDtype, number> = {
  BOOL: 0,
  U8: 4,
  I8: 5,
  I16: 11,
  F16: 13,
  BF16: 14,
  I32: 15,
  F32: 17,
  F64: 19,
  I64: 20,
};

/** The official library refuses headers above 100 MB; so do we, before allocating anything for one. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * A tensor as loaded. Float dtypes are widened to float32 (float16 and bfloat16 exactly; float64 rounds to nearest
 * float32); integer dtypes keep their own typed array. `dtype` is the stored dtype, so saving writes it back the same.
 */
export type LoadedTensor =
  | { dtype: FloatDtype; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I16'; shape: number[]; data: Int16Array }
  | { dtype: 'I8'; shape: number[]; data: Int8Array }
  | { dtype: 'U8' | 'BOOL'; shape: number[]; data: Uint8Array };

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/**
 * A tensor to write. `dtype` defaults from the array (Float32Array -> F32, Uint8Array -> U8, ...). A Float32Array may
 * be stored as F32, F16, BF16 (round to nearest even) or F64; a Float64Array as F64 or F32. A LoadedTensor is a TensorInput.
 */
export interface TensorInput {
  dtype?: SafetensorsDtype;
  shape: readonly number[];
  data: TensorData;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In file order (by data offset). */
  tensors: Map<string, LoadedTensor>;
}

/** One tensor's entry in a validated header; offsets count from the start of the data section. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A header that passed every check: the tensors tile the data section exactly, sorted by offset. */
export interface SafetensorsHeader {
  source: string;
  metadata: Record<string, string>;
  entries: HeaderEntry[];
  /** File offset of the data section (8 + header length). */
  dataStart: number;
  fileBytes: number;
}

/** Reads a safetensors file: the header first, validated in full, then each tensor's bytes at its offset. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const handle = await openForRead(path);
  try {
    const header = await readHeaderFrom(handle, path);
    const tensors = new Map<string, LoadedTensor>();
    for (const entry of header.entries) {
      const bytes = new Uint8Array(entry.end - entry.begin);
      await readExact(handle, bytes, header.dataStart + entry.begin, header, entry);
      tensors.set(entry.name, decodeTensor(entry, bytes));
    }
    return { metadata: header.metadata, tensors };
  } finally {
    await handle.close();
  }
}

/** Reads and validates only the header of a safetensors file. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await openForRead(path);
  try {
    return await readHeaderFrom(handle, path);
  } finally {
    await handle.close();
  }
}

/** Parses a safetensors file held in memory. The returned arrays are copies; `bytes` may be reused afterwards. */
export function parseSafetensors(bytes: Uint8Array, source = '<bytes>'): SafetensorsFile {
  checkHost();
  const headerBytes = readHeaderLength(bytes.subarray(0, 8), bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + headerBytes), bytes.length, source);
  const tensors = new Map<string, LoadedTensor>();
  for (const entry of header.entries) {
    // slice() copies into a fresh, aligned buffer, so typed-array views over it are valid.
    tensors.set(entry.name, decodeTensor(entry, bytes.slice(header.dataStart + entry.begin, header.dataStart + entry.end)));
  }
  return { metadata: header.metadata, tensors };
}

/**
 * Validates the 8-byte little-endian header length against the file size and the 100 MB cap.
 * Returns the header length in bytes.
 */
export function readHeaderLength(prefix: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < 8 || prefix.length < 8) {
    throw new CheckpointError(
      source,
      `file is ${fileBytes} bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file`,
    );
  }
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(
      source,
      `header length (bytes 0..8) says ${length} bytes, above the ${MAX_HEADER_BYTES}-byte limit; the file is corrupt or not a safetensors file`,
    );
  }
  const headerBytes = Number(length);
  if (8 + headerBytes > fileBytes) {
    throw new CheckpointError(
      source,
      `header length (bytes 0..8) says ${headerBytes} bytes, but the file ends at byte ${fileBytes}; the file is truncated`,
    );
  }
  return headerBytes;
}

/** Parses and validates the JSON header; `json` is the header's bytes (file bytes 8..8+length). */
export function parseHeader(json: Uint8Array, fileBytes: number, source: string): SafetensorsHeader {
  const headerEnd = 8 + json.length;
  const bad = firstInvalidUtf8(json);
  if (bad >= 0) {
    throw new CheckpointError(
      source,
      `header is not valid UTF-8 at byte ${8 + bad} (header spans bytes 8..${headerEnd}); the file is corrupt`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(json));
  } catch (err) {
    throw new CheckpointError(
      source,
      `header (bytes 8..${headerEnd}) is not valid JSON: ${(err as Error).message} (positions count from byte 8); the file is corrupt`,
      { cause: err },
    );
  }
  if (!isPlainObject(parsed)) {
    throw new CheckpointError(source, `header (bytes 8..${headerEnd}) is JSON ${describeJson(parsed)}, not an object; the file is corrupt`);
  }

  const dataStart = headerEnd;
  const dataBytes = fileBytes - dataStart;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(info, source);
    } else {
      entries.push(parseEntry(name, info, source));
    }
  }

  // The official reader sorts by offsets and demands that tensors tile the data section with no gap, overlap or tail.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const where = (e: HeaderEntry) => `data_offsets [${e.begin}, ${e.end}] (file bytes ${dataStart + e.begin}..${dataStart + e.end})`;
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of entries) {
    const tensor = { tensor: entry.name };
    if (entry.end < entry.begin) {
      throw new CheckpointError(source, `tensor '${entry.name}': ${where(entry)} end before they begin`, tensor);
    }
    if (entry.begin < covered && previous) {
      throw new CheckpointError(
        source,
        `tensor '${entry.name}': ${where(entry)} overlap tensor '${previous.name}' at ${where(previous)}; each tensor needs its own bytes`,
        tensor,
      );
    }
    if (entry.begin > covered) {
      throw new CheckpointError(
        source,
        `tensor '${entry.name}': ${where(entry)} leave bytes ${covered}..${entry.begin} of the data section unused; safetensors requires tensors packed without gaps`,
        tensor,
      );
    }
    const needed = entry.shape.reduce((n, d) => n * d, 1) * ITEM_BYTES[entry.dtype];
    if (entry.end - entry.begin !== needed) {
      throw new CheckpointError(
        source,
        `tensor '${entry.name}': ${entry.dtype}[${entry.shape.join(', ')}] needs ${needed} bytes but ${where(entry)} span ${entry.end - entry.begin}`,
        tensor,
      );
    }
    if (entry.end > dataBytes) {
      throw new CheckpointError(
        source,
        `tensor '${entry.name}': ${where(entry)} run past the end of the data section (${dataBytes} bytes, file ends at byte ${fileBytes}); the file is truncated`,
        tensor,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataBytes) {
    throw new CheckpointError(
      source,
      `data section (file bytes ${dataStart}..${fileBytes}) has ${dataBytes} bytes but the tensors cover only ${covered}; ` +
        `bytes ${dataStart + covered}..${fileBytes} belong to no tensor (trailing data or a damaged header)`,
    );
  }
  return { source, metadata, entries, dataStart, fileBytes };
}

function parseMetadata(info: unknown, source: string): Record<string, string> {
  // The official reader accepts `"__metadata__": null` as no metadata.
  if (info === null) return {};
  if (!isPlainObject(info)) {
    throw new CheckpointError(source, `header field '__metadata__' is ${describeJson(info)}; it must be an object of strings`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string') {
      throw new CheckpointError(source, `header field '__metadata__.${key}' is ${describeJson(value)}; metadata values must be strings`);
    }
    metadata[key] = value;
  }
  return metadata;
}

function parseEntry(name: string, info: unknown, source: string): HeaderEntry {
  const fail = (problem: string) => new CheckpointError(source, `tensor '${name}': ${problem}`, { tensor: name });
  if (!isPlainObject(info)) throw fail(`header entry is ${describeJson(info)}, not an object with dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') throw fail(`dtype is ${describeJson(dtype)}; expected a string such as "F32"`);
  if (!isDtype(dtype)) {
    if (UNSUPPORTED_DTYPES.includes(dtype)) {
      throw fail(
        `dtype ${dtype} is valid safetensors but not supported; convert the checkpoint to one of ${SAFETENSORS_DTYPES.join(', ')}`,
      );
    }
    throw fail(`unknown dtype '${dtype}'; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`shape ${JSON.stringify(shape)} is not an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`data_offsets ${JSON.stringify(offsets)} are not [begin, end] with non-negative integers`);
  }
  let elements = 1;
  for (const d of shape) {
    elements *= d;
    if (!Number.isSafeInteger(elements * ITEM_BYTES[dtype])) throw fail(`shape [${shape.join(', ')}] is too large to address`);
  }
  const [begin, end] = offsets as [number, number];
  return { name, dtype, shape: [...shape], begin, end };
}

/**
 * Writes a safetensors file atomically: a crash or error leaves any previous file at `path` intact.
 * The bytes match the official library for the same tensors: tensors laid out by descending dtype rank, then by
 * name; header JSON without spaces, padded with spaces to a multiple of 8. Metadata keys are written sorted (the
 * official library writes them in random order, so only files with at most one metadata key can be byte-identical).
 */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorInput>> | ReadonlyMap<string, TensorInput>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const staged = await stageSafetensors(path, tensors, metadata);
  await staged.commit();
}

/** Validates everything, then writes the file to a temp name next to `path`; `commit()` puts it in place. */
export async function stageSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorInput>> | ReadonlyMap<string, TensorInput>,
  metadata?: Readonly<Record<string, string>>,
): Promise<StagedFile> {
  checkHost();
  const plan = planFile(path, tensors instanceof Map ? [...tensors] : Object.entries(tensors), metadata);
  return stageFile(path, async (handle) => {
    await writeAll(handle, plan.header);
    for (const item of plan.items) await writeTensor(handle, item);
  });
}

/** Serializes to bytes in memory (same layout as the file writer). */
export function serializeSafetensors(
  tensors: Readonly<Record<string, TensorInput>> | ReadonlyMap<string, TensorInput>,
  metadata?: Readonly<Record<string, string>>,
  source = '<bytes>',
): Uint8Array {
  checkHost();
  const plan = planFile(source, tensors instanceof Map ? [...tensors] : Object.entries(tensors), metadata);
  const out = new Uint8Array(plan.header.length + plan.dataBytes);
  out.set(plan.header, 0);
  let at = plan.header.length;
  for (const item of plan.items) {
    for (const piece of encodeTensor(item)) {
      out.set(piece, at);
      at += piece.length;
    }
  }
  return out;
}

/** How many bytes a tensor takes on disk when stored as `dtype`. */
export function storedBytes(shape: readonly number[], dtype: SafetensorsDtype): number {
  return shape.reduce((n, d) => n * d, 1) * ITEM_BYTES[dtype];
}

/** The dtype a TensorInput is written as. */
export function resolveDtype(input: TensorInput): SafetensorsDtype {
  return input.dtype ?? defaultDtype(input.data);
}

interface PlannedTensor {
  name: string;
  dtype: SafetensorsDtype;
  data: TensorData;
}

interface FilePlan {
  header: Uint8Array;
  items: PlannedTensor[];
  dataBytes: number;
}

function planFile(
  source: string,
  tensors: readonly (readonly [string, TensorInput])[],
  metadata: Readonly<Record<string, string>> | undefined,
): FilePlan {
  const utf8 = new TextEncoder();
  const planned: (PlannedTensor & { shape: readonly number[]; key: Uint8Array })[] = [];
  for (const [name, input] of tensors) {
    const fail = (problem: string) => new CheckpointError(source, `tensor '${name}': ${problem}`, { tensor: name });
    if (name === '__metadata__') throw fail(`'__metadata__' is reserved for the header's metadata; rename the tensor`);
    if (!name.isWellFormed()) throw fail('name contains a lone UTF-16 surrogate, which UTF-8 JSON cannot hold');
    const dtype = resolveDtype(input);
    if (!isDtype(dtype)) throw fail(`unknown dtype '${String(dtype)}'; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
    const accepted = ACCEPTS[dtype];
    if (!accepted.some((kind) => input.data instanceof kind)) {
      throw fail(`dtype ${dtype} needs data as ${accepted.map((k) => k.name).join(' or ')}, got ${input.data.constructor.name}`);
    }
    if (!Array.isArray(input.shape) || !input.shape.every(isCount)) {
      throw fail(`shape ${JSON.stringify(input.shape)} is not an array of non-negative integers`);
    }
    const elements = input.shape.reduce((n, d) => n * d, 1);
    if (elements !== input.data.length) {
      throw fail(`shape [${input.shape.join(', ')}] holds ${elements} elements but the data has ${input.data.length}`);
    }
    if (dtype === 'BOOL') {
      const bad = (input.data as Uint8Array).findIndex((v) => v > 1);
      if (bad >= 0) throw fail(`BOOL data must be 0 or 1, but element ${bad} is ${input.data[bad]}`);
    }
    planned.push({ name, dtype, data: input.data, shape: input.shape, key: utf8.encode(name) });
  }
  // Names compare as UTF-8 bytes, as Rust's String ordering does (JS's default compares UTF-16 units).
  planned.sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareBytes(a.key, b.key));

  // Built by hand rather than from an object so the key order is ours, and numeric-looking names keep their place.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort();
    for (const key of keys) {
      const value = metadata[key];
      if (typeof value !== 'string') {
        throw new CheckpointError(source, `metadata '${key}' is ${describeJson(value)}; metadata values must be strings`);
      }
      if (!key.isWellFormed() || !value.isWellFormed()) {
        throw new CheckpointError(source, `metadata '${key}' contains a lone UTF-16 surrogate, which UTF-8 JSON cannot hold`);
      }
    }
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const t of planned) {
    const bytes = storedBytes(t.shape, t.dtype);
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) {
    throw new CheckpointError(
      source,
      `header would be ${padded} bytes, above the ${MAX_HEADER_BYTES}-byte limit readers enforce; split the tensors over several files`,
    );
  }
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, items: planned.map(({ name, dtype, data }) => ({ name, dtype, data })), dataBytes: offset };
}

const ACCEPTS: Record<SafetensorsDtype, readonly (abstract new (...args: never[]) => TensorData)[]> = {
  F64: [Float64Array, Float32Array],
  F32: [Float32Array, Float64Array],
  // float64 -> float16 through float32 would round twice; the caller should choose how to get to float32.
  F16: [Float32Array],
  BF16: [Float32Array],
  I64: [BigInt64Array],
  I32: [Int32Array],
  I16: [Int16Array],
  I8: [Int8Array],
  U8: [Uint8Array],
  BOOL: [Uint8Array],
};

function defaultDtype(data: TensorData): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  return 'U8';
}

// Conversions run in pieces of this many elements so a multi-GB tensor never needs a second full-size copy.
const CHUNK = 1 << 20;

async function writeTensor(handle: FileHandle, item: PlannedTensor): Promise<void> {
  for (const piece of encodeTensor(item)) await writeAll(handle, piece);
}

/** The stored bytes of one tensor, as a sequence of pieces (views where no conversion is needed). */
function* encodeTensor({ dtype, data }: PlannedTensor): Generator<Uint8Array> {
  const asBytes = (a: TensorData | Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const sameKind = (dtype === 'F32' && data instanceof Float32Array) || (dtype === 'F64' && data instanceof Float64Array);
  if (sameKind || !(data instanceof Float32Array || data instanceof Float64Array)) {
    yield asBytes(data);
    return;
  }
  for (let start = 0; start < data.length; start += CHUNK) {
    const part = data.subarray(start, Math.min(start + CHUNK, data.length));
    if (dtype === 'F64') {
      yield asBytes(Float64Array.from(part));
    } else if (dtype === 'F32') {
      yield asBytes(Float32Array.from(part));
    } else {
      // Bits are read through a Uint32Array so NaN payloads survive; see float16.ts.
      const bits = new Uint32Array(part.buffer, part.byteOffset, part.length);
      const out = new Uint16Array(part.length);
      if (dtype === 'F16') encodeF16(bits, out);
      else encodeBf16(bits, out);
      yield asBytes(out);
    }
  }
}

function decodeTensor(entry: HeaderEntry, bytes: Uint8Array): LoadedTensor {
  const { dtype, shape } = entry;
  const { buffer, byteOffset, byteLength } = bytes;
  const count = byteLength / ITEM_BYTES[dtype];
  switch (dtype) {
    case 'F32':
      return { dtype, shape, data: new Float32Array(buffer, byteOffset, count) };
    case 'F64':
      // Rounds to the nearest float32: float64 checkpoints are rare and the engine computes in float32.
      return { dtype, shape, data: Float32Array.from(new Float64Array(buffer, byteOffset, count)) };
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(count);
      const halves = new Uint16Array(buffer, byteOffset, count);
      const bits = new Uint32Array(out.buffer);
      if (dtype === 'F16') decodeF16(halves, bits);
      else decodeBf16(halves, bits);
      return { dtype, shape, data: out };
    }
    case 'I64':
      return { dtype, shape, data: new BigInt64Array(buffer, byteOffset, count) };
    case 'I32':
      return { dtype, shape, data: new Int32Array(buffer, byteOffset, count) };
    case 'I16':
      return { dtype, shape, data: new Int16Array(buffer, byteOffset, count) };
    case 'I8':
      return { dtype, shape, data: new Int8Array(buffer, byteOffset, count) };
    case 'U8':
    case 'BOOL':
      return { dtype, shape, data: bytes };
  }
}

async function openForRead(path: string): Promise<FileHandle> {
  checkHost();
  try {
    return await open(path, 'r');
  } catch (err) {
    throw ioError(path, 'open the file', err, 'check that the path exists and is readable');
  }
}

async function readHeaderFrom(handle: FileHandle, path: string): Promise<SafetensorsHeader> {
  let fileBytes: number;
  try {
    fileBytes = (await handle.stat()).size;
  } catch (err) {
    throw ioError(path, 'stat the file', err, 'check that the path is a readable file');
  }
  const prefix = new Uint8Array(8);
  if (fileBytes >= 8) await readExact(handle, prefix, 0, { source: path, fileBytes }, undefined);
  const headerBytes = readHeaderLength(prefix, fileBytes, path);
  const json = new Uint8Array(headerBytes);
  await readExact(handle, json, 8, { source: path, fileBytes }, undefined);
  return parseHeader(json, fileBytes, path);
}

async function readExact(
  handle: FileHandle,
  target: Uint8Array,
  position: number,
  file: { source: string; fileBytes: number },
  entry: HeaderEntry | undefined,
): Promise<void> {
  const what = entry
    ? `tensor '${entry.name}' (file bytes ${position}..${position + target.length})`
    : `bytes ${position}..${position + target.length}`;
  // One read() returns at most ~2 GiB on Linux; keep pieces well under that.
  const piece = 1 << 28;
  let done = 0;
  while (done < target.length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(target, done, Math.min(piece, target.length - done), position + done));
    } catch (err) {
      throw ioError(file.source, `read ${what}`, err, 'check the disk and that the file is readable');
    }
    if (bytesRead === 0) {
      throw new CheckpointError(
        file.source,
        `file ended at byte ${position + done} while reading ${what}; it was ${file.fileBytes} bytes when opened, so it changed while being read`,
        entry ? { tensor: entry.name } : undefined,
      );
    }
    done += bytesRead;
  }
}

function checkHost(): void {
  // Typed-array views over file bytes assume a little-endian host, as safetensors data is little-endian.
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

function isDtype(s: string): s is SafetensorsDtype {
  return (SAFETENSORS_DTYPES as readonly string[]).includes(s);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** Index of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte -> number of continuation bytes and the allowed range of the first one (rules out overlongs,
    // surrogates and code points above U+10FFFF).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}
