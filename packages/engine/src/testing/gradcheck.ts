// Finite-difference gradient check in float64: the analytic gradients built by autodiff and run by
// onnxruntime against central differences of the same graph's loss.

import * as ort from 'onnxruntime-node';
import { gradients } from '../autodiff/backward.ts';
import type { DType, HostArray } from '../graph/dtype.ts';
import { Graph, type Shape, type Tensor } from '../graph/graph.ts';
import { add, mul, reduceSum } from '../graph/ops.ts';
import { emitModel } from '../onnx/emit.ts';
import { Rng } from '../runtime/rng.ts';

export interface GradInput {
  shape: Shape;
  dtype?: DType;
  /** Fixed values; random in [-1, 1) (shifted by `offset`, scaled by `scale`) otherwise. */
  values?: HostArray;
  offset?: number;
  scale?: number;
  /** Not differentiated (an index tensor, a condition...). */
  constant?: boolean;
}

export interface GradCase {
  inputs: readonly GradInput[];
  build: (g: Graph, xs: Tensor[]) => Tensor | Tensor[];
  /** Central-difference step. @default 1e-6 */
  eps?: number;
  /** |analytic - numeric| <= atol + rtol |numeric|. @default 1e-6 */
  atol?: number;
  /** @default 1e-5 */
  rtol?: number;
  /** Build the gradients with the graph's segments recomputed (GradientOptions.recompute). @default false */
  recompute?: boolean;
}

export interface GradMismatch {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradReport {
  checked: number;
  maxError: number;
  mismatches: GradMismatch[];
}

export async function gradCheck(c: GradCase, seed = 1): Promise<GradReport> {
  const rng = new Rng(seed);
  const g = new Graph();
  const values: HostArray[] = [];
  const xs = c.inputs.map((spec, i) => {
    const dtype = spec.dtype ?? 'float64';
    const size = spec.shape.reduce((a, b) => a * b, 1);
    let v = spec.values;
    if (!v) {
      const f = new Float64Array(size);
      for (let j = 0; j < size; j++) f[j] = (rng.uniform() * 2 - 1) * (spec.scale ?? 1) + (spec.offset ?? 0);
      v = f;
    }
    values.push(v);
    return g.input(`x${i}`, dtype, spec.shape);
  });
  const ys = [c.build(g, xs)].flat();
  // A random weighting of the outputs, so that no gradient cancels by symmetry.
  let loss: Tensor | undefined;
  for (const y of ys) {
    const w = new Float64Array(y.size);
    for (let j = 0; j < w.length; j++) w[j] = rng.uniform() * 2 - 1;
    const term = reduceSum(mul(y, g.constant(w, y.shape, 'weights')));
    loss = loss ? add(loss, term) : term;
  }
  const diff = xs.filter((_, i) => !c.inputs[i]?.constant);
  const grads = gradients(loss as Tensor, diff, { recompute: c.recompute });
  const bytes = emitModel(g, {
    outputs: [{ name: 'loss', tensor: loss as Tensor }, ...grads.map((t, i) => ({ name: `grad${i}`, tensor: t }))],
    paramInputs: new Set(),
    paramValue: () => {
      throw new Error('no parameters');
    },
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const feeds = (vals: HostArray[]) =>
    Object.fromEntries(xs.map((x, i) => [x.name, new ort.Tensor(x.dtype, vals[i] as Float64Array, [...x.shape])]));
  const base = await session.run(feeds(values));
  const lossAt = async () => Number((await session.run(feeds(values), ['loss'])).loss?.data[0]);
  const eps = c.eps ?? 1e-6;
  const atol = c.atol ?? 1e-6;
  const rtol = c.rtol ?? 1e-5;
  const report: GradReport = { checked: 0, maxError: 0, mismatches: [] };
  let k = 0;
  for (let i = 0; i < xs.length; i++) {
    if (c.inputs[i]?.constant) continue;
    const analytic = base[`grad${k++}`]?.data as Float64Array;
    const v = values[i] as Float64Array;
    for (let j = 0; j < v.length; j++) {
      const orig = v[j] as number;
      v[j] = orig + eps;
      const plus = await lossAt();
      v[j] = orig - eps;
      const minus = await lossAt();
      v[j] = orig;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[j] as number;
      const err = Math.abs(a - numeric);
      report.checked++;
      report.maxError = Math.max(report.maxError, err);
      if (!(err <= atol + rtol * Math.abs(numeric))) report.mismatches.push({ input: i, index: j, analytic: a, numeric });
    }
  }
  await session.release();
  return report;
}
