// Every architecture and task head against Hugging Face transformers on PyTorch: the same
// safetensors give the same logits (with padding) and the same gradients after one backward pass.
// The references were recorded by fixtures/models/make_parity.py; see fixtures/models/parity/VERSIONS.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gradients } from '../autodiff/backward.ts';
import { Graph, type Tensor } from '../graph/graph.ts';
import { emitModel } from '../onnx/emit.ts';
import { ParamScope } from '../params/parameters.ts';
import type { Task } from './config.ts';
import { loadPretrained, modelBuilder } from './pretrained.ts';

const ROOT = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));
const CASES = readdirSync(ROOT).filter((d) => d !== 'VERSIONS');

interface Expected {
  task: Task;
  inputs: Record<string, number[][]>;
  labels: Record<string, number[] | number[][]>;
  loss: number;
  grads: Record<string, number[]>;
  logits?: number[];
  start_logits?: number[];
  end_logits?: number[];
}

function feeds(exp: Expected, names: readonly string[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  const all: Record<string, unknown> = { ...exp.inputs, ...exp.labels };
  for (const name of names) {
    const value = all[name];
    if (value === undefined) continue;
    const flat = (value as unknown[]).flat() as number[];
    const shape = Array.isArray((value as unknown[])[0])
      ? [(value as unknown[]).length, ((value as unknown[])[0] as unknown[]).length]
      : [flat.length];
    out[name] =
      exp.task === 'regression' && name === 'labels'
        ? new ort.Tensor('float32', Float32Array.from(flat), shape)
        : new ort.Tensor('int64', BigInt64Array.from(flat.map(BigInt)), shape);
  }
  return out;
}

function maxError(actual: ArrayLike<number>, expected: readonly number[]): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(Math.abs(expected[i] as number), 1e-3));
  }
  return { abs, rel };
}

describe.each(CASES)('%s', (name) => {
  const dir = ROOT + name;
  const exp = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Expected;
  const [batch, length] = [exp.inputs.input_ids?.length ?? 0, exp.inputs.input_ids?.[0]?.length ?? 0];

  it('gives the logits transformers gives, within 1e-4', async () => {
    const model = await loadPretrained(dir, { task: exp.task });
    expect(model.initialized).toEqual([]);
    const g = new Graph();
    const { outputs = {} } = modelBuilder(model, { batch, length, train: false })(new ParamScope(g, model.params));
    const session = await ort.InferenceSession.create(
      emitModel(g, {
        outputs: Object.entries(outputs).map(([n, tensor]) => ({ name: n, tensor })),
        paramInputs: new Set(),
        paramValue: (n) => model.params.get(n).data,
      }),
    );
    const result = await session.run(feeds(exp, session.inputNames));
    for (const key of ['logits', 'start_logits', 'end_logits'] as const) {
      const want = exp[key];
      if (!want) continue;
      const got = result[key]?.data as Float32Array;
      expect(got.length).toBe(want.length);
      expect(maxError(got, want).abs).toBeLessThan(1e-4);
    }
  });

  it('gives the loss and gradients PyTorch autograd gives', async () => {
    const model = await loadPretrained(dir, { task: exp.task });
    const g = new Graph();
    const { loss } = modelBuilder(model, { batch, length, train: true })(new ParamScope(g, model.params));
    const params = [...g.params.values()];
    const grads = gradients(loss as Tensor, params);
    const session = await ort.InferenceSession.create(
      emitModel(g, {
        outputs: [{ name: 'loss', tensor: loss as Tensor }, ...grads.map((t, i) => ({ name: `grad${i}`, tensor: t }))],
        paramInputs: new Set(),
        paramValue: (n) => model.params.get(n).data,
      }),
    );
    const f = feeds(exp, session.inputNames);
    f.dropout_seed = new ort.Tensor('int64', BigInt64Array.of(0n), []);
    const result = await session.run(f);
    expect(Number(result.loss?.data[0])).toBeCloseTo(exp.loss, 5);
    // Same float32 math in a different order: gradients agree to 1e-5 absolute or 1e-3 relative.
    const names = params.map((p) => p.name);
    expect(names.sort()).toEqual(Object.keys(exp.grads).sort());
    params.forEach((p, i) => {
      const { abs, rel } = maxError(result[`grad${i}`]?.data as Float32Array, exp.grads[p.name] as number[]);
      expect(Math.min(abs / 1e-5, rel / 1e-3), p.name).toBeLessThan(1);
    });
  });
});

describe('masked LM at selected positions', () => {
  it('gives the loss transformers gives over all positions', async () => {
    for (const name of ['bert-masked-lm', 'roberta-masked-lm', 'distilbert-masked-lm']) {
      const dir = ROOT + name;
      const exp = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Expected;
      const model = await loadPretrained(dir, { task: 'masked-lm' });
      const labels = exp.labels.labels as number[][];
      const p = Math.max(...labels.map((row) => row.filter((l) => l !== -100).length)) + 1;
      const g = new Graph();
      const [batch, length] = [labels.length, labels[0]?.length ?? 0];
      const { loss } = modelBuilder(model, { batch, length, train: true, predictions: p })(new ParamScope(g, model.params));
      const session = await ort.InferenceSession.create(
        emitModel(g, {
          outputs: [{ name: 'loss', tensor: loss as Tensor }],
          paramInputs: new Set(),
          paramValue: (n) => model.params.get(n).data,
        }),
      );
      const positions = labels.map((row) => {
        const at = row.flatMap((l, t) => (l === -100 ? [] : [t]));
        return [...at, ...new Array(p - at.length).fill(0)];
      });
      const picked = labels.map((row, r) => {
        const kept = (positions[r] as number[]).map((t, k) => (k < row.filter((l) => l !== -100).length ? (row[t] as number) : -100));
        return kept;
      });
      const f = feeds({ ...exp, labels: { labels: picked } }, session.inputNames);
      f.masked_positions = new ort.Tensor('int64', BigInt64Array.from(positions.flat().map(BigInt)), [batch, p]);
      f.dropout_seed = new ort.Tensor('int64', BigInt64Array.of(0n), []);
      const r = await session.run(f);
      expect(Number(r.loss?.data[0]), name).toBeCloseTo(exp.loss, 5);
    }
  });
});
