// safetensors reading and writing against files written by the official Python library (fixtures/checkpoint).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from './errors.ts';
import {
  type LoadedTensor,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  type TensorInput,
  writeSafetensors,
} from './safetensors.ts';
import { expected, f32Bits, fixture, rawSafetensors, sha256, splitSafetensors, type TensorExpectation, tempDir } from './test-fixtures.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const TORCH_TO_DTYPE: Record<string, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

function expectTensor(name: string, actual: LoadedTensor | undefined, want: TensorExpectation): void {
  expect(actual, name).toBeDefined();
  const t = actual!;
  expect(t.dtype, name).toBe(TORCH_TO_DTYPE[want.dtype]);
  expect(t.shape, name).toEqual(want.shape);
  if (want.f32_bits) {
    expect(t.data, name).toBeInstanceOf(Float32Array);
    expect(f32Bits(t.data as Float32Array), name).toEqual(want.f32_bits);
  } else {
    const values = Array.from(t.data as ArrayLike<number | bigint>).map((v) => (t.dtype === 'BOOL' ? Number(v) : String(v)));
    expect(values, name).toEqual(want.values);
  }
}

const ARRAY_FOR: Record<string, unknown> = {
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

describe('reading files written by the official library', () => {
  it('basic.safetensors: every dtype, exact values (subnormals, inf, NaN, -0), metadata', async () => {
    const file = await readSafetensors(fixture('basic.safetensors'));
    expect(file.metadata).toEqual(expected.basic.metadata);
    expect([...file.tensors.keys()].sort()).toEqual(Object.keys(expected.basic.tensors).sort());
    for (const [name, want] of Object.entries(expected.basic.tensors)) {
      const t = file.tensors.get(name);
      expectTensor(name, t, want);
      if (t && ARRAY_FOR[t.dtype]) expect(t.data, name).toBeInstanceOf(ARRAY_FOR[t.dtype] as never);
    }
  });

  it('int64 values beyond 2^53 survive exactly', async () => {
    const file = await readSafetensors(fixture('basic.safetensors'));
    const i64 = file.tensors.get('i64')!;
    expect(i64.data).toBeInstanceOf(BigInt64Array);
    expect([...(i64.data as BigInt64Array)]).toEqual([0n, -1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 42n]);
  });

  it('float64 rounds to the nearest float32 (ties to even), as torch does', async () => {
    const file = await readSafetensors(fixture('float64.safetensors'));
    expectTensor('f64', file.tensors.get('f64'), expected.float64.tensors.f64!);
  });

  it('metadata with several keys, non-ASCII and escapes', async () => {
    const file = await readSafetensors(fixture('meta.safetensors'));
    expect(file.metadata).toEqual(expected.meta.metadata);
    expectTensor('weight', file.tensors.get('weight'), expected.meta.tensors.weight!);
  });

  it('parseSafetensors over the bytes equals readSafetensors, and copies out of the input', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('basic.safetensors')));
    const fromBytes = parseSafetensors(bytes, 'basic');
    const fromFile = await readSafetensors(fixture('basic.safetensors'));
    expect(fromBytes).toEqual(fromFile);
    const before = f32Bits(fromBytes.tensors.get('f32')!.data as Float32Array);
    bytes.fill(0);
    expect(f32Bits(fromBytes.tensors.get('f32')!.data as Float32Array)).toEqual(before);
  });

  it('tensors come back in file order, and the header can be read alone', async () => {
    const header = await readSafetensorsHeader(fixture('basic.safetensors'));
    const file = await readSafetensors(fixture('basic.safetensors'));
    expect([...file.tensors.keys()]).toEqual(header.entries.map((e) => e.name));
    for (let i = 1; i < header.entries.length; i++) expect(header.entries[i]!.begin).toBe(header.entries[i - 1]!.end);
  });
});

describe('writing matches the official library byte for byte', () => {
  it('basic.safetensors: load then write reproduces the file', async () => {
    const file = await readSafetensors(fixture('basic.safetensors'));
    const out = join(dir, 'basic.safetensors');
    await writeSafetensors(out, file.tensors, file.metadata);
    const written = readFileSync(out);
    expect(sha256(written)).toBe(expected.basic.sha256);
    expect(Buffer.compare(written, readFileSync(fixture('basic.safetensors')))).toBe(0);
  });

  it('insertion order does not matter: layout is by dtype rank, then name', async () => {
    const file = await readSafetensors(fixture('basic.safetensors'));
    const reversed = new Map([...file.tensors].reverse());
    expect(sha256(serializeSafetensors(reversed, file.metadata))).toBe(expected.basic.sha256);
  });

  it('float64 from Float64Array bits', async () => {
    const bits = BigUint64Array.from(expected.float64.f64_bits, (h) => BigInt(`0x${h}`));
    const out = join(dir, 'f64.safetensors');
    await writeSafetensors(out, { f64: { shape: [bits.length], data: new Float64Array(bits.buffer) } }, { format: 'pt' });
    expect(sha256(readFileSync(out))).toBe(expected.float64.sha256);
  });

  it('float32 -> float16 / bfloat16 rounds to nearest even exactly like torch', async () => {
    const x = (await readSafetensors(fixture('convert.safetensors'))).tensors.get('x')!;
    expect(x.dtype).toBe('F32');
    expect(f32Bits(x.data as Float32Array)).toEqual(expected.convert.x_f32_bits);
    const data = x.data as Float32Array;
    const tensors: Record<string, TensorInput> = {
      x: { shape: x.shape, data },
      x_f16: { dtype: 'F16', shape: x.shape, data },
      x_bf16: { dtype: 'BF16', shape: x.shape, data },
    };
    const out = join(dir, 'convert.safetensors');
    await writeSafetensors(out, tensors, { format: 'pt' });
    const written = readFileSync(out);
    expect(sha256(written)).toBe(expected.convert.sha256);
    // And the narrowed values read back as torch's widened ones.
    const back = parseSafetensors(written);
    const widen = (half: number[], shift: boolean) => half.map((h) => (shift ? (h << 16) >>> 0 : h));
    expect(f32Bits(back.tensors.get('x_bf16')!.data as Float32Array)).toEqual(widen(expected.convert.bf16_bits, true));
  });

  it('load -> save -> load is bit-identical, NaN payloads and -NaN included', async () => {
    // 0xffc0 (-NaN) and 0x7f81 (signalling NaN) in bf16; 0xfe01 and 0x7c01 in f16: torch would canonicalize these.
    const halves = (bits: number[]) => new Uint8Array(new Uint16Array(bits).buffer);
    const source = rawSafetensors(
      {
        a: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] },
        b: { dtype: 'F16', shape: [4], data_offsets: [8, 16] },
      },
      new Uint8Array([...halves([0xffc0, 0x7f81, 0x8000, 0x0001]), ...halves([0xfe01, 0x7c01, 0x8001, 0x03ff])]),
    );
    const first = parseSafetensors(source);
    const again = parseSafetensors(serializeSafetensors(first.tensors, first.metadata));
    for (const name of ['a', 'b']) {
      expect(again.tensors.get(name)!.dtype).toBe(first.tensors.get(name)!.dtype);
      expect(f32Bits(again.tensors.get(name)!.data as Float32Array)).toEqual(f32Bits(first.tensors.get(name)!.data as Float32Array));
    }
    // The stored halves themselves survive too.
    const rewritten = serializeSafetensors(first.tensors);
    expect(rewritten.subarray(rewritten.length - 16)).toEqual(source.subarray(source.length - 16));

    const basic = await readSafetensors(fixture('basic.safetensors'));
    const out = join(dir, 'again.safetensors');
    await writeSafetensors(out, basic.tensors, basic.metadata);
    expect(await readSafetensors(out)).toEqual(basic);
  });

  it('omits __metadata__ when none is given, pads the header with spaces to 8 bytes', () => {
    const bytes = serializeSafetensors({ a: { shape: [1], data: new Float32Array([1]) } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toBe(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'.padEnd(56, ' '),
    );
  });

  it('refuses bad input before writing anything', async () => {
    const out = join(dir, 'bad.safetensors');
    const cases: [Record<string, TensorInput>, RegExp][] = [
      [{ a: { shape: [3], data: new Float32Array(2) } }, /tensor 'a': shape \[3\] holds 3 elements but the data has 2/],
      [
        { a: { dtype: 'I64', shape: [1], data: new Float32Array(1) } },
        /tensor 'a': dtype I64 needs data as BigInt64Array, got Float32Array/,
      ],
      [{ a: { dtype: 'F16', shape: [1], data: new Float64Array(1) } }, /dtype F16 needs data as Float32Array/],
      [{ a: { shape: [-1], data: new Float32Array(0) } }, /shape \[-1\] is not an array of non-negative integers/],
      [{ a: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 2]) } }, /BOOL data must be 0 or 1, but element 1 is 2/],
      [{ __metadata__: { shape: [1], data: new Float32Array(1) } }, /'__metadata__' is reserved/],
      [{ a: { dtype: 'F8' as never, shape: [1], data: new Float32Array(1) } }, /unknown dtype 'F8'/],
    ];
    for (const [tensors, message] of cases) {
      const err = await writeSafetensors(out, tensors).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(out);
    }
    await expect(writeSafetensors(out, {}, { n: 1 as never })).rejects.toThrow(/metadata 'n' is number 1; metadata values must be strings/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('writes and reads every dtype, empty and scalar tensors', async () => {
    const tensors: Record<string, TensorInput> = {
      f64: { dtype: 'F64', shape: [2], data: new Float32Array([1.5, -0]) },
      f32from64: { dtype: 'F32', shape: [1], data: new Float64Array([1 / 3]) },
      i16: { shape: [2], data: new Int16Array([-5, 5]) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
      scalar: { shape: [], data: new BigInt64Array([-7n]) },
      flag: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    };
    const back = parseSafetensors(serializeSafetensors(tensors)).tensors;
    expect(back.get('f64')).toEqual({ dtype: 'F64', shape: [2], data: new Float32Array([1.5, -0]) });
    expect(back.get('f32from64')!.data).toEqual(new Float32Array([1 / 3]));
    expect(back.get('i16')).toEqual({ dtype: 'I16', shape: [2], data: new Int16Array([-5, 5]) });
    expect(back.get('empty')).toEqual({ dtype: 'F32', shape: [0, 4], data: new Float32Array(0) });
    expect(back.get('scalar')).toEqual({ dtype: 'I64', shape: [], data: new BigInt64Array([-7n]) });
    expect(back.get('flag')).toEqual({ dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) });
  });
});

describe('corrupt files: a CheckpointError naming the file, tensor and offsets; nothing returned', () => {
  const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

  async function expectCorrupt(bytes: Uint8Array, message: RegExp): Promise<CheckpointError> {
    const path = join(dir, 'corrupt.safetensors');
    writeFileSync(path, bytes);
    const err = await readSafetensors(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message.startsWith(`${path}: `)).toBe(true);
    // The in-memory parser and the header-only reader apply the same checks.
    expect(() => parseSafetensors(bytes, path)).toThrow(message);
    await expect(readSafetensorsHeader(path)).rejects.toThrow(message);
    return err as CheckpointError;
  }

  const basic = () => new Uint8Array(readFileSync(fixture('basic.safetensors')));

  it('truncated files', async () => {
    const bytes = basic();
    await expectCorrupt(bytes.subarray(0, 5), /file is 5 bytes, shorter than the 8-byte header length/);
    await expectCorrupt(
      bytes.subarray(0, 100),
      /header length \(bytes 0\.\.8\) says \d+ bytes, but the file ends at byte 100; the file is truncated/,
    );
    const err = await expectCorrupt(
      bytes.subarray(0, bytes.length - 3),
      /tensor '\w+': data_offsets \[\d+, \d+\] \(file bytes \d+\.\.\d+\) run past the end of the data section/,
    );
    expect(err.tensor).toBeDefined();
  });

  it('header length 2^40', async () => {
    const bytes = basic();
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    await expectCorrupt(bytes, /says 1099511627776 bytes, above the 100000000-byte limit/);
  });

  it('overlapping offsets', async () => {
    const err = await expectCorrupt(
      rawSafetensors({ a: f32([1], 0, 4), b: f32([1], 0, 4) }, 4),
      /tensor '[ab]': data_offsets \[0, 4\] \(file bytes \d+\.\.\d+\) overlap tensor '[ab]' at data_offsets \[0, 4\]/,
    );
    expect(['a', 'b']).toContain(err.tensor);
    const { header, data } = splitSafetensors(basic());
    (header.i32 as { data_offsets: number[] }).data_offsets = (header.i64 as { data_offsets: number[] }).data_offsets.slice();
    await expectCorrupt(rawSafetensors(header, data), /overlap|needs \d+ bytes/);
  });

  it('out-of-range offsets', async () => {
    await expectCorrupt(
      rawSafetensors({ a: f32([2], 0, 8) }, 4),
      /tensor 'a': data_offsets \[0, 8\] .* run past the end of the data section \(4 bytes/,
    );
    await expectCorrupt(rawSafetensors({ a: f32([0], 4, 0) }, 4), /tensor 'a': data_offsets \[4, 0\] .* end before they begin/);
  });

  it('gaps and trailing bytes, which the official reader also refuses', async () => {
    await expectCorrupt(rawSafetensors({ a: f32([1], 4, 8) }, 8), /tensor 'a': .* leave bytes 0\.\.4 of the data section unused/);
    await expectCorrupt(
      rawSafetensors({ a: f32([1], 0, 4) }, 8),
      /has 8 bytes but the tensors cover only 4; bytes \d+\.\.\d+ belong to no tensor/,
    );
  });

  it('byte length that does not match the shape', async () => {
    await expectCorrupt(rawSafetensors({ a: f32([2], 0, 4) }, 4), /tensor 'a': F32\[2\] needs 8 bytes but data_offsets \[0, 4\] .* span 4/);
  });

  it('bad dtype', async () => {
    await expectCorrupt(
      rawSafetensors({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4),
      /tensor 'a': unknown dtype 'F33'; expected one of F64/,
    );
    await expectCorrupt(
      rawSafetensors({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1),
      /tensor 'a': dtype F8_E4M3 is valid safetensors but not supported/,
    );
    await expectCorrupt(rawSafetensors({ a: { dtype: 5, shape: [1], data_offsets: [0, 1] } }, 1), /dtype is number 5/);
  });

  it('bad JSON, non-UTF-8, non-object header', async () => {
    await expectCorrupt(rawSafetensors(null, 0, '{"a":   '), /header \(bytes 8\.\.16\) is not valid JSON: /);
    await expectCorrupt(
      rawSafetensors(null, 0, new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x20])),
      /header is not valid UTF-8 at byte 10/,
    );
    await expectCorrupt(rawSafetensors(null, 0, '[]      '), /is JSON an array, not an object/);
    await expectCorrupt(rawSafetensors(null, 0, 'null    '), /is JSON null, not an object/);
  });

  it('bad shapes, offsets and metadata', async () => {
    await expectCorrupt(rawSafetensors({ a: f32([-1], 0, 4) }, 4), /tensor 'a': shape \[-1\] is not an array of non-negative integers/);
    await expectCorrupt(rawSafetensors({ a: f32([1.5], 0, 4) }, 4), /shape \[1\.5\] is not an array/);
    await expectCorrupt(rawSafetensors({ a: { dtype: 'F32', shape: '1', data_offsets: [0, 4] } }, 4), /shape "1" is not an array/);
    await expectCorrupt(
      rawSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 4] } }, 4),
      /data_offsets \[0,4,4\] are not \[begin, end\]/,
    );
    await expectCorrupt(rawSafetensors({ a: { dtype: 'F32', shape: [1] } }, 4), /data_offsets undefined are not \[begin, end\]/);
    await expectCorrupt(rawSafetensors({ a: 3 }, 0), /tensor 'a': header entry is number 3, not an object/);
    await expectCorrupt(
      rawSafetensors({ __metadata__: { x: 1 } }, 0),
      /header field '__metadata__.x' is number 1; metadata values must be strings/,
    );
    await expectCorrupt(rawSafetensors({ __metadata__: [] }, 0), /'__metadata__' is an array/);
    await expectCorrupt(rawSafetensors({ a: f32([2 ** 40, 2 ** 40], 0, 4) }, 4), /shape \[1099511627776, 1099511627776\] is too large/);
  });

  it('accepts what the official reader accepts', () => {
    expect(parseSafetensors(rawSafetensors({ __metadata__: null }, 0)).metadata).toEqual({});
    expect(parseSafetensors(rawSafetensors(null, 0, '  {}    ')).tensors.size).toBe(0);
    // Offsets out of header order, unknown extra fields, zero-size tensors sharing an offset.
    const file = parseSafetensors(
      rawSafetensors({ b: f32([1], 4, 8), a: { ...f32([1], 0, 4), extra: true }, z: f32([0], 4, 4), y: f32([0], 4, 4) }, 8),
    );
    expect([...file.tensors.keys()]).toEqual(['a', 'z', 'y', 'b']);
  });

  it('a missing file', async () => {
    const path = join(dir, 'nope.safetensors');
    await expect(readSafetensors(path)).rejects.toThrow(new RegExp(`${path}: cannot open the file \\(ENOENT\\)`));
  });
});
