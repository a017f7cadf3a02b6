// Hugging Face model folders against a tiny BertModel saved by transformers' save_pretrained (fixtures/checkpoint/bert-*).

import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from './errors.ts';
import { loadCheckpoint, saveCheckpoint } from './hf.ts';
import { pythonJson } from './python-json.ts';
import { type LoadedTensor, readSafetensors, writeSafetensors } from './safetensors.ts';
import { expected, f32Bits, fixture, sha256, tempDir } from './test-fixtures.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const SHARD1 = 'model-00001-of-00002.safetensors';
const SHARD2 = 'model-00002-of-00002.safetensors';

function expectSameTensors(a: Map<string, LoadedTensor>, b: Map<string, LoadedTensor>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.dtype, name).toBe(t.dtype);
    expect(u.shape, name).toEqual(t.shape);
    expect(
      Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      ),
      name,
    ).toBe(true);
  }
}

/** The loaded tensors in the model's state_dict order, which is the order save_pretrained shards in. */
function inStateDictOrder(tensors: Map<string, LoadedTensor>): Map<string, LoadedTensor> {
  return new Map(expected.bert.state_dict_order.map((name) => [name, tensors.get(name)!]));
}

function filesOf(folder: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((f) => [f, sha256(readFileSync(join(folder, f)))]),
  );
}

describe('loadCheckpoint', () => {
  it('loads the sharded and the single-file BERT to the same tensors, matching torch', async () => {
    const sharded = await loadCheckpoint(fixture('bert-sharded'));
    const single = await loadCheckpoint(fixture('bert-single'));
    expect(sharded.config).toEqual(single.config);
    expect(sharded.config).toMatchObject({ model_type: 'bert', hidden_size: 16, num_hidden_layers: 1, vocab_size: 50 });
    expectSameTensors(sharded.tensors, single.tensors);
    expect([...single.tensors.keys()].sort()).toEqual(Object.keys(expected.bert.tensors).sort());
    let parameters = 0;
    for (const [name, want] of Object.entries(expected.bert.tensors)) {
      const t = single.tensors.get(name)!;
      expect(t.dtype).toBe('F32');
      expect(t.shape, name).toEqual(want.shape);
      expect(f32Bits(t.data as Float32Array).slice(0, 4), name).toEqual(want.f32_bits_head);
      parameters += t.data.length;
    }
    expect(parameters).toBe(expected.bert.num_parameters);
  });

  it('prefers model.safetensors when an index is also present, as transformers does', async () => {
    cpSync(fixture('bert-single'), dir, { recursive: true });
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"weight_map": {"x": "missing.safetensors"}}');
    const loaded = await loadCheckpoint(dir);
    expect(loaded.tensors.size).toBe(Object.keys(expected.bert.tensors).length);
  });
});

describe('saveCheckpoint matches save_pretrained byte for byte', () => {
  it('sharded: shards, index and config.json', async () => {
    const { config, tensors } = await loadCheckpoint(fixture('bert-sharded'));
    await saveCheckpoint(dir, config, inStateDictOrder(tensors), { maxShardBytes: expected.bert.max_shard_size });
    expect(filesOf(dir)).toEqual(expected.bert.sharded_files);
  });

  it('single file: model.safetensors and config.json', async () => {
    const { config, tensors } = await loadCheckpoint(fixture('bert-single'));
    await saveCheckpoint(dir, config, inStateDictOrder(tensors));
    expect(filesOf(dir)).toEqual(expected.bert.single_files);
  });

  it('load -> save -> load is bit-identical, from a plain object too', async () => {
    const first = await loadCheckpoint(fixture('bert-sharded'));
    await saveCheckpoint(dir, first.config, Object.fromEntries(first.tensors), { maxShardBytes: 4000 });
    const again = await loadCheckpoint(dir);
    expect(again.config).toEqual(first.config);
    expectSameTensors(again.tensors, first.tensors);
    expect(readdirSync(dir).filter((f) => f.startsWith('model-')).length).toBeGreaterThan(2);
  });
});

describe('saveCheckpoint', () => {
  it('shards greedily in order; an oversized tensor gets its own shard first, as huggingface_hub does', async () => {
    const t = (n: number) => ({ shape: [n], data: new Float32Array(n) });
    // Bytes: a 40, b 40, big 400, c 40, with a 100-byte limit -> [big], [a, b], [c].
    await saveCheckpoint(
      dir,
      {},
      new Map([
        ['a', t(10)],
        ['b', t(10)],
        ['big', t(100)],
        ['c', t(10)],
      ]),
      { maxShardBytes: 100 },
    );
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(index).toEqual({
      metadata: { total_parameters: 130, total_size: 520 },
      weight_map: {
        a: 'model-00002-of-00003.safetensors',
        b: 'model-00002-of-00003.safetensors',
        big: 'model-00001-of-00003.safetensors',
        c: 'model-00003-of-00003.safetensors',
      },
    });
    expect((await readSafetensors(join(dir, 'model-00001-of-00003.safetensors'))).metadata).toEqual({ format: 'pt' });
  });

  it('the dtype option stores float tensors as BF16/F16 and leaves integers alone', async () => {
    const tensors = {
      w: { shape: [3], data: new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1e-3]) },
      ids: { shape: [2], data: new BigInt64Array([1n, 2n]) },
    };
    await saveCheckpoint(dir, { model_type: 'x' }, tensors, { dtype: 'BF16' });
    const loaded = await loadCheckpoint(dir);
    expect(loaded.tensors.get('w')!.dtype).toBe('BF16');
    expect([...(loaded.tensors.get('w')!.data as Float32Array)]).toEqual([1, 1 + 2 ** -6, 0.00099945068359375]);
    expect(loaded.tensors.get('ids')).toEqual({ dtype: 'I64', shape: [2], data: new BigInt64Array([1n, 2n]) });
    await saveCheckpoint(dir, { model_type: 'x' }, tensors, { dtype: 'F16' });
    expect((await loadCheckpoint(dir)).tensors.get('w')!.dtype).toBe('F16');
  });

  it('removes stale weight files when switching between sharded and single', async () => {
    const { config, tensors } = await loadCheckpoint(fixture('bert-single'));
    await saveCheckpoint(dir, config, tensors, { maxShardBytes: 4000 });
    writeFileSync(join(dir, 'README.md'), 'kept');
    expect(readdirSync(dir)).toContain('model.safetensors.index.json');
    await saveCheckpoint(dir, config, tensors);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'config.json', 'model.safetensors']);
    await saveCheckpoint(dir, config, tensors, { maxShardBytes: expected.bert.max_shard_size });
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'config.json', SHARD1, SHARD2, 'model.safetensors.index.json']);
    expectSameTensors((await loadCheckpoint(dir)).tensors, tensors);
  });

  it('refuses bad options', async () => {
    await expect(saveCheckpoint(dir, {}, {}, { maxShardBytes: 0 })).rejects.toThrow(/maxShardBytes must be a positive integer, got 0/);
    await expect(saveCheckpoint(dir, {}, {}, { dtype: 'I8' as never })).rejects.toThrow(/dtype option must be F32, F16 or BF16/);
  });
});

describe('pythonJson', () => {
  it('writes like json.dumps(indent=2, sort_keys=True)', () => {
    const value = {
      b: [1, 2.5, 1e-5, 1.5e-7, 123.456, 1e30, -0, null, true],
      a: { '10': 'x', '2': 'é😀', '': {} },
      c: [],
      d: 'tab\t"q"\x7f',
    };
    // Output of /opt/refpy/bin/python: json.dumps(same value with int(1e30) and -0.0, indent=2, sort_keys=True).
    expect(pythonJson(value)).toBe(
      [
        '{',
        '  "a": {',
        '    "": {},',
        '    "10": "x",',
        '    "2": "\\u00e9\\ud83d\\ude00"',
        '  },',
        '  "b": [',
        '    1,',
        '    2.5,',
        '    1e-05,',
        '    1.5e-07,',
        '    123.456,',
        '    1000000000000000019884624838656,',
        '    -0.0,',
        '    null,',
        '    true',
        '  ],',
        '  "c": [],',
        '  "d": "tab\\t\\"q\\"\\u007f"',
        '}',
      ].join('\n'),
    );
  });
});

describe('broken folders: a CheckpointError before any tensor data is read', () => {
  async function expectBroken(folder: string, message: RegExp): Promise<CheckpointError> {
    const err = await loadCheckpoint(folder).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(message);
    return err as CheckpointError;
  }
  const sharded = () => cpSync(fixture('bert-sharded'), dir, { recursive: true });
  const editIndex = (edit: (index: { weight_map: Record<string, string> }) => void) => {
    const path = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(path, 'utf8'));
    edit(index);
    writeFileSync(path, JSON.stringify(index));
  };

  it('missing shard', async () => {
    sharded();
    rmSync(join(dir, SHARD2));
    await expectBroken(dir, new RegExp(`index\\.json: shard '${SHARD2}' is missing \\(it should hold \\d+ tensors, e\\.g\\. '[\\w.]+'\\)`));
  });

  it('a tensor listed in the index but absent from its shard', async () => {
    sharded();
    editIndex((index) => {
      index.weight_map['ghost.weight'] = SHARD1;
    });
    const err = await expectBroken(
      dir,
      new RegExp(`${SHARD1}: lacks tensor 'ghost\\.weight', which model\\.safetensors\\.index\\.json maps to it`),
    );
    expect(err.tensor).toBe('ghost.weight');
  });

  it('a tensor present in two shards', async () => {
    sharded();
    const one = await readSafetensors(join(dir, SHARD1));
    const two = await readSafetensors(join(dir, SHARD2));
    const [dupName, dup] = [...one.tensors][0]!;
    await writeSafetensors(join(dir, SHARD2), new Map([...two.tensors, [dupName, dup]]), two.metadata);
    const err = await expectBroken(dir, new RegExp(`${SHARD2}: tensor '${dupName.replaceAll('.', '\\.')}' is also in shard '${SHARD1}'`));
    expect(err.tensor).toBe(dupName);
  });

  it('a shard tensor the index does not list, or maps elsewhere', async () => {
    sharded();
    let moved = '';
    editIndex((index) => {
      moved = Object.keys(index.weight_map).find((k) => index.weight_map[k] === SHARD1)!;
      delete index.weight_map[moved];
    });
    await expectBroken(dir, /holds tensor '.+', which model\.safetensors\.index\.json does not list/);
    editIndex((index) => {
      index.weight_map[moved] = SHARD2;
    });
    await expectBroken(dir, new RegExp(`${SHARD1}: holds tensor '.+', which model\\.safetensors\\.index\\.json maps to '${SHARD2}'`));
  });

  it('a shard outside the folder', async () => {
    sharded();
    editIndex((index) => {
      for (const k of Object.keys(index.weight_map)) if (index.weight_map[k] === SHARD2) index.weight_map[k] = `../${SHARD2}`;
    });
    await expectBroken(dir, new RegExp(`is mapped to '\\.\\./${SHARD2}', which is outside the model folder`));
    editIndex((index) => {
      for (const k of Object.keys(index.weight_map)) index.weight_map[k] = '/etc/passwd';
    });
    await expectBroken(dir, /outside the model folder/);
  });

  it('a bad index', async () => {
    sharded();
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"weight_map": ');
    await expectBroken(dir, /model\.safetensors\.index\.json: is not valid JSON/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"metadata": {}}');
    await expectBroken(dir, /has no "weight_map" object/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"weight_map": {"a": 3}}');
    await expectBroken(dir, /weight_map\['a'\] is 3; it must name a shard file/);
  });

  it('a corrupt shard is reported with its own path and offsets', async () => {
    sharded();
    const bytes = readFileSync(join(dir, SHARD2));
    writeFileSync(join(dir, SHARD2), bytes.subarray(0, bytes.length - 10));
    await expectBroken(
      dir,
      new RegExp(`${SHARD2}: tensor '.+': data_offsets \\[\\d+, \\d+\\] \\(file bytes \\d+\\.\\.\\d+\\) run past the end`),
    );
  });

  it('a PyTorch .bin checkpoint', async () => {
    cpSync(fixture('bert-single', 'config.json'), join(dir, 'config.json'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'PK');
    await expectBroken(
      dir,
      /has pytorch_model\.bin but no model\.safetensors: PyTorch \.bin \(pickle\) checkpoints are not supported.*convert/,
    );
  });

  it('no weights at all', async () => {
    cpSync(fixture('bert-single', 'config.json'), join(dir, 'config.json'));
    await expectBroken(dir, /has neither model\.safetensors nor model\.safetensors\.index\.json \(found: config\.json\)/);
  });

  it('config.json missing, not JSON, not an object', async () => {
    cpSync(fixture('bert-single'), dir, { recursive: true });
    rmSync(join(dir, 'config.json'));
    await expectBroken(dir, /has no config\.json/);
    writeFileSync(join(dir, 'config.json'), '{"a": ');
    await expectBroken(dir, /config\.json: is not valid JSON/);
    writeFileSync(join(dir, 'config.json'), '[1]');
    await expectBroken(dir, /config\.json: must hold a JSON object, not an array/);
  });

  it('not a folder', async () => {
    await expectBroken(join(dir, 'nope'), /cannot open the model folder \(ENOENT\)/);
    await expectBroken(fixture('bert-single', 'config.json'), /is a file, not a model folder/);
  });
});
