// The inference export runs in a fresh onnxruntime session at batch sizes and sequence lengths other
// than the ones it was traced at, matches the engine within 1e-4, and passes the ONNX checker.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.ts';
import { loadPretrained, modelBuilder } from '../models/pretrained.ts';
import { emitModel } from '../onnx/emit.ts';
import { ParamScope } from '../params/parameters.ts';
import { Rng } from '../runtime/rng.ts';
import { exportOnnx } from './onnx-export.ts';

const ROOT = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));
const CASES = readdirSync(ROOT).filter((d) => d !== 'VERSIONS');

function batch(b: number, t: number, vocab: number, seed: number): Record<string, ort.Tensor> {
  const rng = new Rng(seed);
  const ids = BigInt64Array.from({ length: b * t }, () => BigInt(3 + rng.int(vocab - 3)));
  const mask = new BigInt64Array(b * t).fill(1n);
  // Right padding of different lengths; pad id 0 (1 for RoBERTa is set by the caller).
  for (let r = 1; r < b; r++) for (let c = t - r; c < t; c++) mask[r * t + c] = 0n;
  const types = BigInt64Array.from({ length: b * t }, (_, i) => BigInt(i % t >= t / 2 ? 1 : 0));
  return {
    input_ids: new ort.Tensor('int64', ids, [b, t]),
    attention_mask: new ort.Tensor('int64', mask, [b, t]),
    token_type_ids: new ort.Tensor('int64', types, [b, t]),
  };
}

describe.each(CASES)('%s export', (name) => {
  it('runs at other shapes and matches the engine', async () => {
    const model = await loadPretrained(ROOT + name, {
      task: (await import(`${ROOT + name}/expected.json`, { with: { type: 'json' } })).default.task,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'tuneql-export-')), 'model.onnx');
    await exportOnnx(model, file);
    const exported = await ort.InferenceSession.create(file);
    for (const [b, t] of [
      [3, 5],
      [1, 11],
    ] as const) {
      const feeds = batch(b, t, 64, b * 100 + t);
      const g = new Graph();
      const { outputs = {} } = modelBuilder(model, { batch: b, length: t, train: false })(new ParamScope(g, model.params));
      const reference = await ort.InferenceSession.create(
        emitModel(g, {
          outputs: Object.entries(outputs).map(([n, tensor]) => ({ name: n, tensor })),
          paramInputs: new Set(),
          paramValue: (n) => model.params.get(n).data,
        }),
      );
      const pick = (s: ort.InferenceSession) => Object.fromEntries(s.inputNames.map((n) => [n, feeds[n] as ort.Tensor]));
      const [got, want] = [await exported.run(pick(exported)), await reference.run(pick(reference))];
      expect([...exported.outputNames].sort()).toEqual(Object.keys(outputs).sort());
      for (const out of exported.outputNames) {
        const [a, w] = [got[out]?.data as Float32Array, want[out]?.data as Float32Array];
        expect(got[out]?.dims).toEqual(want[out]?.dims);
        let err = 0;
        for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs((a[i] as number) - (w[i] as number)));
        expect(err).toBeLessThan(1e-4);
      }
    }
    expect(exported.inputNames).toEqual(
      model.arch.tokenTypes ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'],
    );
    // The official checker, with shape inference over the symbolic batch and sequence axes.
    execFileSync('/usr/bin/python3', ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file]);
  });
});
