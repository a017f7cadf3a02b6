// Every architecture and task head against Hugging Face transformers on PyTorch: the same
// safetensors give the same logits (with padding) and the same gradients after one backward pass.
// The references were recorded by fixtures/models/make_parity.py; see fixtures/models/parity/VERSIONS.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph, type Tensor } from '../graph/graph.ts';
import { emitModel } from '../onnx/emit.ts';
import { ParamScope } from '../params/parameters.ts';
import { availableProviders, type Provider } from '../runtime/providers.ts';
import { checkGradients, maxError, PARITY_CASES, PARITY_ROOT, parityFeeds, readExpected } from './parity-reference.ts';
import { loadPretrained, modelBuilder } from './pretrained.ts';

describe.each(PARITY_CASES)('%s', (name) => {
  const dir = PARITY_ROOT + name;
  const exp = readExpected(name);
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
    const result = await session.run(parityFeeds(exp, session.inputNames));
    for (const key of ['logits', 'start_logits', 'end_logits'] as const) {
      const want = exp[key];
      if (!want) continue;
      const got = result[key]?.data as Float32Array;
      expect(got.length).toBe(want.length);
      expect(maxError(got, want).abs).toBeLessThan(1e-4);
    }
  });

  it('gives the loss and gradients PyTorch autograd gives', async () => {
    await expectTorchGradients(name, 'cpu');
  });
});

async function expectTorchGradients(name: string, provider: Provider): Promise<void> {
  const r = await checkGradients(name, provider);
  expect(r.loss).toBeCloseTo(r.expectedLoss, 5);
  expect(r.names).toEqual(Object.keys(readExpected(name).grads).sort());
  for (const e of r.errors) expect(e.ratio, e.name).toBeLessThan(1);
}

// The WebGPU kernels (forward and backward) against the same references. CI runs them on SwiftShader,
// one case per architecture with a different head each, to stay quick; TUNEQL_WEBGPU_PARITY=all runs
// every case (as on a real GPU).
const WEBGPU_CASES =
  process.env.TUNEQL_WEBGPU_PARITY === 'all'
    ? PARITY_CASES
    : [
        'bert-sequence-classification',
        'distilbert-token-classification',
        'roberta-question-answering',
        'gpt2-causal-lm',
        'llama-regression',
      ];

describe.each(WEBGPU_CASES)('%s on webgpu', (name) => {
  it('gives the loss and gradients PyTorch autograd gives', async () => {
    expect(availableProviders()).toContain('webgpu');
    await expectTorchGradients(name, 'webgpu');
  }, 120_000);
});

describe('masked LM at selected positions', () => {
  it('gives the loss transformers gives over all positions', async () => {
    for (const name of ['bert-masked-lm', 'roberta-masked-lm', 'distilbert-masked-lm']) {
      const dir = PARITY_ROOT + name;
      const exp = readExpected(name);
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
      const f = parityFeeds({ ...exp, labels: { labels: picked } }, session.inputNames);
      f.masked_positions = new ort.Tensor('int64', BigInt64Array.from(positions.flat().map(BigInt)), [batch, p]);
      f.dropout_seed = new ort.Tensor('int64', BigInt64Array.of(0n), []);
      const r = await session.run(f);
      expect(Number(r.loss?.data[0]), name).toBeCloseTo(exp.loss, 5);
    }
  });
});
