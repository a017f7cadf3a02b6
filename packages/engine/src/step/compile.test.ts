// Compiled training steps are valid ONNX (the official checker, from Debian's python3-onnx) and
// contain weight-gradient GEMMs only for the parameters that train.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropout, gather, gelu, layerNorm, rmsNorm, softmax, tanh } from '../graph/ops.ts';
import { crossEntropy } from '../losses.ts';
import { linear } from '../nn/linear.ts';
import { adamw } from '../optim/optimizers.ts';
import { init, ParameterSet, type ParamScope } from '../params/parameters.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileTrainStep, GROUP_MAX_MEMBERS } from './compile.ts';

const CHECK = `
import json, sys, collections, onnx
model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
widest = lambda op, f: max([len(f(n)) for n in model.graph.node if n.op_type == op] or [0])
print(json.dumps({"opset": model.opset_import[0].version, "ops": collections.Counter(n.op_type for n in model.graph.node),
  "concatInputs": widest("Concat", lambda n: n.input), "splitOutputs": widest("Split", lambda n: n.output)}))
`;

function check(model: Uint8Array): { opset: number; ops: Record<string, number>; concatInputs: number; splitOutputs: number } {
  const file = join(mkdtempSync(join(tmpdir(), 'tuneql-onnx-')), 'model.onnx');
  writeFileSync(file, model);
  // Debian's interpreter, where python3-onnx is installed (another python3 may come first on PATH).
  const out = execFileSync('/usr/bin/python3', ['-c', CHECK, file], { encoding: 'utf8' });
  return JSON.parse(out);
}

function mlp(scope: ParamScope) {
  const x = scope.graph.input('x', 'float32', [8, 16]);
  const y = scope.graph.input('y', 'int64', [8]);
  const h1 = tanh(linear(scope.pp('fc1'), x, 32));
  const h2 = tanh(linear(scope.pp('fc2'), h1, 32));
  return { loss: crossEntropy(linear(scope.pp('fc3'), h2, 4), y) };
}

describe('compiled training steps', () => {
  it('pass the ONNX checker, with every op of a transformer block', () => {
    const params = new ParameterSet(0);
    const program = compileTrainStep({
      params,
      optimizer: adamw(),
      clipGradNorm: 1,
      build: (scope) => {
        const g = scope.graph;
        const ids = g.input('ids', 'int64', [2, 4]);
        const y = g.input('y', 'int64', [2, 4]);
        const x = gather(scope.get('embed.weight', [70, 8], init.normal(0.02)), ids); // (2, 4, 8); over 64 rows: a scatter
        const seed = g.input('seed', 'int64', []);
        const ln = layerNorm(x, scope.get('ln.weight', [8], init.ones()), scope.get('ln.bias', [8], init.zeros()));
        const h = gelu(linear(scope.pp('up'), ln, 16));
        const r = rmsNorm(dropout(h, { p: 0.1, seed }), scope.get('norm.weight', [16], init.ones()));
        const logits = linear(scope.pp('head'), softmax(r), 5);
        return { loss: crossEntropy(logits, y, { labelSmoothing: 0.1 }) };
      },
    });
    const { opset, ops } = check(program.model);
    expect(opset).toBe(17);
    for (const op of ['Gather', 'LayerNormalization', 'Erf', 'Softmax', 'ReduceMax', 'Log', 'MatMul', 'ScatterND', 'Less', 'ReduceSum']) {
      expect(ops[op], op).toBeGreaterThan(0);
    }
    // Log-softmax is lowered to ops onnxruntime's WebGPU provider has kernels for (it has no LogSoftmax).
    expect(ops.LogSoftmax).toBeUndefined();
  });

  it('builds no weight-gradient GEMM for frozen layers', () => {
    const gemms = (frozen: string[]) => {
      const params = new ParameterSet(0);
      // Declare the parameters first so they can be frozen before compiling.
      compileTrainStep({ params, optimizer: adamw(), build: mlp });
      params.setTrainable((name) => !frozen.some((f) => name.startsWith(f)));
      const { ops } = check(compileTrainStep({ params, optimizer: adamw(), build: mlp }).model);
      return (ops.Gemm ?? 0) + (ops.MatMul ?? 0);
    };
    // forward: 3; backward: dW and the bias gradient (a row of ones times dY, sumRows) for each trainable
    // layer, and dX only for layers that have a trainable layer below them (the input needs no gradient).
    expect(gemms([])).toBe(3 + 3 + 3 + 2);
    expect(gemms(['fc1'])).toBe(3 + 2 + 2 + 1);
    expect(gemms(['fc1', 'fc2'])).toBe(3 + 1 + 1 + 0);
  });

  it('has updated-parameter outputs only for trainable parameters', () => {
    const params = new ParameterSet(0);
    compileTrainStep({ params, optimizer: adamw(), build: mlp });
    params.setTrainable((name) => name.startsWith('fc3'));
    const program = compileTrainStep({ params, optimizer: adamw(), build: mlp });
    expect(program.slots.map((s) => s.slot).sort()).toEqual(
      ['fc3.bias', 'fc3.bias::exp_avg', 'fc3.bias::exp_avg_sq', 'fc3.weight', 'fc3.weight::exp_avg', 'fc3.weight::exp_avg_sq'].sort(),
    );
  });

  it('updates small parameters in groups of at most GROUP_MAX_MEMBERS, as the per-parameter update would', async () => {
    // Twelve layers with a norm each: 12 weights (decay) and 36 biases and norm scales (no decay).
    const deep = (scope: ParamScope) => {
      let h = scope.graph.input('x', 'float32', [8, 16]);
      const y = scope.graph.input('y', 'int64', [8]);
      for (let i = 0; i < 12; i++) {
        const layer = scope.pp(`l${i}`);
        h = tanh(layerNorm(linear(layer, h, 16), layer.get('ln.weight', [16], init.ones()), layer.get('ln.bias', [16], init.zeros())));
      }
      return { loss: crossEntropy(linear(scope.pp('head'), h, 4), y) };
    };
    const spec = (gated: boolean) => {
      const params = new ParameterSet(3);
      return { params, program: compileTrainStep({ params, optimizer: adamw(), clipGradNorm: 0.5, build: deep, gated }) };
    };
    const grouped = spec(false);
    const { ops, concatInputs, splitOutputs } = check(grouped.program.model);
    expect(concatInputs).toBeLessThanOrEqual(GROUP_MAX_MEMBERS);
    expect(splitOutputs).toBeLessThanOrEqual(GROUP_MAX_MEMBERS);
    // AdamW takes one Sqrt per update unit: the 13 weights fit in 2 groups and the 37 biases and norm
    // scales in 6 (7 x 5 + 2), against 50 units in the gated program (the other Sqrt are the norms' backward).
    expect((check(spec(true).program.model).ops.Sqrt as number) - (ops.Sqrt as number)).toBe(50 - (2 + 6));
    // Gated programs (all switches on) update each parameter alone: the same arithmetic, except the order
    // the gradient norm is summed in, so losses and weights agree to float32 rounding, which six AdamW
    // steps through twelve norms amplify to a few 1e-6 (bounds: 5e-6 on losses, 1e-5 = lr / 1000 on weights).
    const run = async ({ params, program }: ReturnType<typeof spec>) => {
      const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
      const step = await rt.load(program, params);
      const rng = new Rng(5);
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const x = Float32Array.from({ length: 8 * 16 }, () => rng.normal());
        const y = BigInt64Array.from({ length: 8 }, () => BigInt(rng.int(4)));
        losses.push((await step.run({ x, y }, { lr: 0.01 })).loss);
      }
      const weights = await rt.read(params.names);
      await rt.close();
      return { losses, weights };
    };
    const a = await run(grouped);
    const b = await run(spec(true));
    a.losses.forEach((l, i) => {
      expect(Math.abs(l - (b.losses[i] as number))).toBeLessThan(5e-6);
    });
    for (const [name, w] of Object.entries(a.weights)) {
      const other = b.weights[name] as Float32Array;
      w.forEach((v, i) => {
        expect(Math.abs(v - (other[i] as number)), name).toBeLessThan(1e-5);
      });
    }
  });
});
