// Fuzzing the model readers: safetensors files (arbitrary bytes, and well-formed files with damaged header lengths,
// header JSON, offsets, dtypes and shapes) in memory and from disk, and model folders whose config.json is damaged,
// loaded and instantiated for every task as a run does. Each is read or refused with CheckpointError or
// ConfigError; never another exception, and within the time and memory bounds (a declared size is checked against
// the file before anything is allocated for it).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe } from 'vitest';
import { CheckpointError } from '../../packages/engine/src/checkpoint/errors.ts';
import { loadCheckpoint } from '../../packages/engine/src/checkpoint/hf.ts';
import { type LoadedTensor, parseSafetensors, readSafetensors } from '../../packages/engine/src/checkpoint/safetensors.ts';
import { ConfigError, TASKS } from '../../packages/engine/src/models/config.ts';
import { instantiate } from '../../packages/engine/src/models/pretrained.ts';
import { architectureFor } from '../../packages/engine/src/models/registry.ts';
import { itFuzzes, refusedOnlyWith, withinBounds } from './fuzz-settings.ts';
import { applyByteEdits, applyJsonEdits, byteEdit, documentEdit, hostileJson, jsonPaths, mutatedBytes } from './mutations.ts';

const REPO = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'tuneql-fuzz-checkpoint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ITEM_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** A safetensors file from a header object and a data section, with no checks (the reader is what is tested). */
function safetensorsBytes(header: unknown, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = Buffer.from(JSON.stringify(header) ?? '');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const dimension = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 1.5, 2 ** 31, 2 ** 53, 2 ** 60, 1e308, '3', null, [2]) },
);

const tensorEntry = fc.record({
  name: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('__metadata__', '__proto__', 'constructor', 'bert.embeddings.word_embeddings.weight'),
  ),
  dtype: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...Object.keys(ITEM_BYTES)) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('F8_E4M3', 'U64', 'f32', '', 32, null) },
  ),
  shape: fc.oneof({ weight: 8, arbitrary: fc.array(dimension, { maxLength: 4 }) }, { weight: 1, arbitrary: hostileJson }),
  /** Replaces the computed [begin, end]. */
  offsets: fc.option(fc.oneof(fc.tuple(fc.integer({ min: -8, max: 4096 }), fc.integer({ min: -8, max: 4096 })), hostileJson), {
    freq: 5,
    nil: undefined,
  }),
});

/** A safetensors file laid out correctly from random entries, then damaged in its header or bytes. */
const safetensorsFile = fc
  .record({
    entries: fc.array(tensorEntry, { maxLength: 5 }),
    metadata: fc.option(fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), hostileJson), { nil: undefined }),
    headerLength: fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 100_000_001n, 2n ** 63n)), {
      freq: 6,
      nil: undefined,
    }),
    edits: fc.array(byteEdit, { maxLength: 2 }),
  })
  .map(({ entries, metadata, headerLength, edits }) => {
    const header: Record<string, unknown> = {};
    if (metadata !== undefined) header.__metadata__ = metadata;
    let offset = 0;
    for (const e of entries) {
      const dims = Array.isArray(e.shape) ? e.shape : [];
      const elements = dims.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
        ? (dims as number[]).reduce((a, b) => a * b, 1)
        : 1;
      const bytes = Math.min(elements * (ITEM_BYTES[e.dtype as string] ?? 4), 4096);
      header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: e.offsets ?? [offset, offset + bytes] };
      offset += bytes;
    }
    const data = new Uint8Array(offset).map((_, i) => (i * 37) & 0xff);
    return applyByteEdits(safetensorsBytes(header, data, headerLength), edits);
  });

const anySafetensors = fc.oneof({ weight: 4, arbitrary: safetensorsFile }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) });

describe('safetensors under fuzzing', () => {
  itFuzzes(
    'parses in memory or refuses with CheckpointError',
    () =>
      fc.asyncProperty(anySafetensors, async (bytes) => {
        await withinBounds(`parsing ${bytes.length} bytes`, async () =>
          refusedOnlyWith([CheckpointError], () => parseSafetensors(bytes, 'fuzz.safetensors')),
        );
      }),
    { runs: 1500, budgetMs: 3_000 },
  );

  itFuzzes(
    'reads from disk or refuses with CheckpointError; what it returns matches the header',
    () => {
      const path = join(scratch, 'fuzz.safetensors');
      return fc.asyncProperty(anySafetensors, async (bytes) => {
        writeFileSync(path, bytes);
        const file = await withinBounds(`reading ${bytes.length} bytes from disk`, () =>
          refusedOnlyWith([CheckpointError], () => readSafetensors(path)),
        );
        for (const tensor of file?.tensors.values() ?? []) {
          const elements = tensor.shape.reduce((a, b) => a * b, 1);
          if (tensor.data.length !== elements)
            throw new Error(`a tensor of shape [${tensor.shape}] came back with ${tensor.data.length} values`);
        }
      });
    },
    { runs: 300, budgetMs: 2_000 },
  );
});

// ---------------------------------------------------------------------------------------------------------
// config.json

const MODELS = ['austen-bert-mini', 'austen-gpt2-mini'] as const;
const configs = Object.fromEntries(MODELS.map((m) => [m, JSON.parse(readFileSync(join(REPO, 'models', m, 'config.json'), 'utf8'))]));
let tensorsOf: Record<string, Map<string, LoadedTensor>> | undefined;

/** Other valid values to put where a field is: other architectures' model types, sizes that do not fit. */
const configValues = fc.oneof(
  fc.constantFrom<unknown>('bert', 'roberta', 'distilbert', 'gpt2', 'llama', 'gelu', 'relu', 'silu', 'gelu_new', 'tanh'),
  fc.integer({ min: 0, max: 4096 }),
  fc.constantFrom<unknown>(2 ** 20, 2 ** 24, 2 ** 31 - 1, 0.999, { 0: 'a', 1: 'b' }, { a: 0 }, ['BertForSequenceClassification']),
);

const damagedConfig = fc.constantFrom(...MODELS).chain((model) => {
  const config = configs[model];
  const paths = jsonPaths(config);
  return fc.record({
    model: fc.constant(model),
    config: fc
      .array(documentEdit(config, paths, configValues), { minLength: 1, maxLength: 3 })
      .map((edits) => applyJsonEdits(config, edits)),
    task: fc.constantFrom(...TASKS),
    numLabels: fc.option(fc.oneof(fc.integer({ min: -1, max: 8 }), fc.constantFrom(2 ** 31, 1.5)), { freq: 3, nil: undefined }),
  });
});

describe('config.json under fuzzing', () => {
  itFuzzes(
    'damaged config.json (bytes or fields) in a model folder: loaded and instantiated for a task, or CheckpointError/ConfigError',
    async () => {
      tensorsOf ??= Object.fromEntries(
        await Promise.all(
          MODELS.map(async (m) => [m, (await readSafetensors(join(REPO, 'models', m, 'model.safetensors'))).tensors] as const),
        ),
      );
      const dir = join(scratch, 'model');
      mkdirSync(dir, { recursive: true });
      // The folder's weights are a tiny valid file: loadCheckpoint's config handling is what is fuzzed here.
      writeFileSync(
        join(dir, 'model.safetensors'),
        safetensorsBytes({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      );
      const configText = fc.oneof(
        { weight: 4, arbitrary: damagedConfig.map((c) => ({ ...c, text: new Uint8Array(Buffer.from(JSON.stringify(c.config) ?? '')) })) },
        {
          weight: 1,
          arbitrary: fc.record({
            model: fc.constantFrom(...MODELS),
            task: fc.constantFrom(...TASKS),
            numLabels: fc.constant(undefined),
            text: mutatedBytes(fc.constant(new Uint8Array(readFileSync(join(REPO, 'models/austen-bert-mini/config.json'))))),
          }),
        },
      );
      return fc.asyncProperty(configText, async ({ model, task, numLabels, text }) => {
        writeFileSync(join(dir, 'config.json'), text);
        await withinBounds(`loading a model with config.json ${Buffer.from(text).toString().slice(0, 200)}`, () =>
          refusedOnlyWith([CheckpointError, ConfigError], async () => {
            const { config } = await loadCheckpoint(dir);
            architectureFor(config);
            return instantiate(config, { task, numLabels }, tensorsOf?.[model]);
          }),
        );
      });
    },
    { runs: 400, budgetMs: 5_000 },
  );
});
