// Test-only: the reference fixtures written by fixtures/checkpoint/make_fixtures.py, temp folders and raw-file builders.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/checkpoint/', import.meta.url));

export interface TensorExpectation {
  dtype: string;
  shape: number[];
  f32_bits?: number[];
  values?: (string | number)[];
}

export interface Expected {
  basic: { metadata: Record<string, string>; tensors: Record<string, TensorExpectation>; sha256: string };
  float64: { tensors: Record<string, TensorExpectation>; f64_bits: string[]; sha256: string };
  meta: { metadata: Record<string, string>; tensors: Record<string, TensorExpectation> };
  convert: { x_f32_bits: number[]; f16_bits: number[]; bf16_bits: number[]; sha256: string };
  bert: {
    max_shard_size: number;
    state_dict_order: string[];
    num_parameters: number;
    sharded_files: Record<string, string>;
    single_files: Record<string, string>;
    tensors: Record<string, { shape: number[]; f32_bits_head: number[] }>;
  };
}

export const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bit patterns of a Float32Array, so NaN payloads and -0 compare exactly. */
export function f32Bits(data: Float32Array): number[] {
  return [...new Uint32Array(data.buffer, data.byteOffset, data.length)];
}

/** A fresh temp folder; call the returned cleanup in afterEach. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-checkpoint-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds a safetensors file from a header object (or raw header text) and a data section, with no validation. */
export function rawSafetensors(header: unknown, data: Uint8Array | number, rawHeader?: string | Uint8Array): Uint8Array {
  const text = rawHeader ?? JSON.stringify(header);
  const json = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** Splits a safetensors file into its parsed header and data section, for building corrupt variants. */
export function splitSafetensors(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  return { header, data: bytes.slice(8 + n) };
}
