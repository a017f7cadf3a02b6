// The recorded Hugging Face references (fixtures/models/parity, made by fixtures/models/make_parity.py
// with the versions in VERSIONS): inputs, labels, logits, loss and every parameter's gradient from
// transformers on PyTorch. The parity tests and the GPU check (bench/gpu-check.ts) compare against them.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { gradients } from '../autodiff/backward.ts';
import { Graph, type Tensor } from '../graph/graph.ts';
import { emitModel } from '../onnx/emit.ts';
import { ParamScope } from '../params/parameters.ts';
import type { Provider } from '../runtime/providers.ts';
import type { Task } from './config.ts';
import { loadPretrained, modelBuilder } from './pretrained.ts';

export const PARITY_ROOT = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));
/** Every recorded case, named `<architecture>-<task>`. */
export const PARITY_CASES = readdirSync(PARITY_ROOT).filter((d) => d !== 'VERSIONS');

/** Gradients agree when each element is within 1e-5 absolute or 1e-3 relative (float32 summed in another order). */
export const GRADIENT_TOLERANCE = { abs: 1e-5, rel: 1e-3 } as const;

export interface Expected {
  task: Task;
  inputs: Record<string, number[][]>;
  labels: Record<string, number[] | number[][]>;
  loss: number;
  grads: Record<string, number[]>;
  logits?: number[];
  start_logits?: number[];
  end_logits?: number[];
}

export function readExpected(name: string): Expected {
  return JSON.parse(readFileSync(`${PARITY_ROOT}${name}/expected.json`, 'utf8')) as Expected;
}

/** The recorded inputs and labels as tensors; integers as int64, or int32 for a model emitted with narrowIntegers. */
export function parityFeeds(exp: Expected, names: readonly string[], ints: 'int64' | 'int32' = 'int64'): Record<string, ort.Tensor> {
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
        : ints === 'int32'
          ? new ort.Tensor('int32', Int32Array.from(flat), shape)
          : new ort.Tensor('int64', BigInt64Array.from(flat.map(BigInt)), shape);
  }
  return out;
}

export function maxError(actual: ArrayLike<number>, expected: readonly number[]): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(Math.abs(expected[i] as number), 1e-3));
  }
  return { abs, rel };
}

export interface GradientCheck {
  loss: number;
  expectedLoss: number;
  /** Parameter names of the graph, sorted, to compare with the reference's. */
  names: string[];
  /** Per parameter: the worst element's error, and `ratio` = min(abs / 1e-5, rel / 1e-3) (below 1 passes). */
  errors: { name: string; abs: number; rel: number; ratio: number }[];
  /** Wall time of the session's run, after it was created. */
  runMs: number;
}

/**
 * One forward and backward pass of case `name` on `provider`, compared with PyTorch autograd. The graph is
 * emitted as training programs are (int32 integers), so it checks what the runtime runs.
 */
export async function checkGradients(name: string, provider: Provider): Promise<GradientCheck> {
  const exp = readExpected(name);
  const [batch, length] = [exp.inputs.input_ids?.length ?? 0, exp.inputs.input_ids?.[0]?.length ?? 0];
  const model = await loadPretrained(PARITY_ROOT + name, { task: exp.task });
  const g = new Graph();
  const { loss } = modelBuilder(model, { batch, length, train: true })(new ParamScope(g, model.params));
  const params = [...g.params.values()];
  const grads = gradients(loss as Tensor, params);
  const session = await ort.InferenceSession.create(
    emitModel(g, {
      outputs: [{ name: 'loss', tensor: loss as Tensor }, ...grads.map((t, i) => ({ name: `grad${i}`, tensor: t }))],
      paramInputs: new Set(),
      paramValue: (n) => model.params.get(n).data,
      narrowIntegers: true,
    }),
    { executionProviders: [provider], logSeverityLevel: 3 },
  );
  try {
    const f = parityFeeds(exp, session.inputNames, 'int32');
    f.dropout_seed = new ort.Tensor('int32', Int32Array.of(0), []);
    const t0 = performance.now();
    const result = await session.run(f);
    const runMs = performance.now() - t0;
    const errors = params.map((p, i) => {
      const { abs, rel } = maxError(result[`grad${i}`]?.data as Float32Array, exp.grads[p.name] ?? []);
      return { name: p.name, abs, rel, ratio: Math.min(abs / GRADIENT_TOLERANCE.abs, rel / GRADIENT_TOLERANCE.rel) };
    });
    return { loss: Number(result.loss?.data[0]), expectedLoss: exp.loss, names: params.map((p) => p.name).sort(), errors, runMs };
  } finally {
    await session.release();
  }
}
