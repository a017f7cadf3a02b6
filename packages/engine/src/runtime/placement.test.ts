// Every node of the compiled training and inference programs runs on the WebGPU provider: none falls back
// to the CPU (onnxruntime's verbose log on SwiftShader), which would copy tensors each step and rule out
// graph capture. And the check itself sees a fallback when there is one.

import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.ts';
import { equal, reshape } from '../graph/ops.ts';
import type { RawConfig, Task } from '../models/config.ts';
import { type GraphOptions, instantiate, modelBuilder } from '../models/pretrained.ts';
import { emitModel } from '../onnx/emit.ts';
import { adamw } from '../optim/optimizers.ts';
import { compileAccumulatedStep, compileInference, compileTrainStep, type Program } from '../step/compile.ts';
import { CPU_EP, nodePlacement, parsePlacement } from './placement.ts';
import { availableProviders } from './providers.ts';

// Vocabularies and position tables above 64 rows take the scatter gradient; token types take the one-hot GEMM.
const BERT = {
  model_type: 'bert',
  vocab_size: 100,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 80,
  type_vocab_size: 2,
  num_labels: 3,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};
const CASES: { name: string; config: RawConfig; task: Task; graph?: Partial<GraphOptions> }[] = [
  { name: 'BERT sequence classifier', config: BERT, task: 'sequence-classification' },
  { name: 'RoBERTa token classifier', config: { ...BERT, model_type: 'roberta', pad_token_id: 1 }, task: 'token-classification' },
  {
    name: 'Llama causal LM (grouped-query attention)',
    config: {
      model_type: 'llama',
      vocab_size: 100,
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 32,
      max_position_embeddings: 80,
    },
    task: 'causal-lm',
  },
  {
    name: 'GPT-2 causal LM, packed',
    config: { model_type: 'gpt2', vocab_size: 100, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 80 },
    task: 'causal-lm',
    graph: { packed: true },
  },
];

function programs(c: (typeof CASES)[number]): Record<string, Program> {
  const model = instantiate(c.config, { task: c.task, seed: 0 });
  const spec = {
    build: modelBuilder(model, { batch: 2, length: 8, train: true, ...c.graph }),
    params: model.params,
    optimizer: adamw({ weightDecay: 0.01 }),
    clipGradNorm: 1,
  };
  const { accumulate, apply } = compileAccumulatedStep(spec, 2);
  return {
    train: compileTrainStep(spec),
    accumulate,
    apply,
    infer: compileInference({ build: modelBuilder(model, { batch: 2, length: 8, train: false, ...c.graph }), params: model.params }),
  };
}

describe.each(CASES)('$name', (c) => {
  it('runs every node of its training step, accumulation and inference programs on webgpu', async () => {
    expect(availableProviders()).toContain('webgpu');
    for (const [kind, program] of Object.entries(programs(c))) {
      const placement = await nodePlacement(program.model, 'webgpu');
      // Counts as well as names: when every node falls back, the log lists none by name.
      const onCpu = { kind, count: placement.counts[CPU_EP] ?? 0, nodes: placement.nodes[CPU_EP] ?? [] };
      expect(onCpu).toEqual({ kind, count: 0, nodes: [] });
      expect(placement.counts.WebGpuExecutionProvider).toBeGreaterThan(kind === 'apply' ? 5 : 40);
    }
  });
});

describe('the placement check', () => {
  it('lists the nodes that fall back to the cpu: int64 comparisons emitted as int64', async () => {
    const g = new Graph();
    const ids = g.input('ids', 'int64', [2, 8]);
    const hits = equal(reshape(ids, [16]), 3);
    const model = (narrowIntegers: boolean) =>
      emitModel(g, {
        outputs: [{ name: 'hits', tensor: hits }],
        paramInputs: new Set(),
        paramValue: () => new Float32Array(0),
        narrowIntegers,
      });
    const wide = await nodePlacement(model(false), 'webgpu');
    expect(wide.counts).toEqual({ [CPU_EP]: 2 });
    const narrow = await nodePlacement(model(true), 'webgpu');
    expect(narrow.nodes[CPU_EP]).toBeUndefined();
    expect(narrow.counts.WebGpuExecutionProvider).toBe(2);
  });

  it('reads both forms of the log', () => {
    const log = [
      '2026-12-03 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
      '2026-12-03 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2',
      '2026-12-03 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]   Equal (equal_1)',
      '2026-12-03 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]   Cast (cast_126)\x1b[m',
      '2026-12-03 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 5',
      '2026-12-03 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]   Add (add_2)',
      '2026-12-03 [I:onnxruntime:, inference_session.cc:1 Initialize] Session successfully initialized.',
    ].join('\n');
    expect(parsePlacement(log)).toEqual({
      counts: { CPUExecutionProvider: 2, WebGpuExecutionProvider: 5 },
      nodes: {
        CPUExecutionProvider: [
          { op: 'Equal', name: 'equal_1' },
          { op: 'Cast', name: 'cast_126' },
        ],
        WebGpuExecutionProvider: [{ op: 'Add', name: 'add_2' }],
      },
    });
    expect(parsePlacement('All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 7')).toEqual({
      counts: { WebGpuExecutionProvider: 7 },
      nodes: { WebGpuExecutionProvider: [] },
    });
    expect(parsePlacement('no placement here')).toBeUndefined();
  });
});
