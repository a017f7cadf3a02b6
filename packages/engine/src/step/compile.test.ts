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
import { compileTrainStep } from './compile.ts';

const CHECK = `
import json, sys, collections, onnx
model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
print(json.dumps({"opset": model.opset_import[0].version, "ops": collections.Counter(n.op_type for n in model.graph.node)}))
`;

function check(model: Uint8Array): { opset: number; ops: Record<string, number> } {
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
        const x = gather(scope.get('embed.weight', [10, 8], init.normal(0.02)), ids); // (2, 4, 8)
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
    for (const op of ['Gather', 'LayerNormalization', 'Erf', 'Softmax', 'LogSoftmax', 'MatMul', 'ScatterND', 'Less', 'ReduceSum']) {
      expect(ops[op], op).toBeGreaterThan(0);
    }
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
    // forward: 3; backward: dW for each trainable layer, and dX only for layers that have a
    // trainable layer below them (the input needs no gradient).
    expect(gemms([])).toBe(3 + 3 + 2);
    expect(gemms(['fc1'])).toBe(3 + 2 + 1);
    expect(gemms(['fc1', 'fc2'])).toBe(3 + 1 + 0);
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
});
