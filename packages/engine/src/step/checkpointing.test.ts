// Gradient checkpointing (decision 28): a step that recomputes each block's activations in the backward pass
// trains as one that keeps them, dropout on, and onnxruntime keeps the recomputation apart from the forward
// pass (its common-subexpression elimination would otherwise merge the clones back). Attention's dropped
// probabilities are recomputed with or without it (decision 31).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConfigReader, type Task } from '../models/config.ts';
import { loadPretrained, modelBuilder } from '../models/pretrained.ts';
import { adamw } from '../optim/optimizers.ts';
import { checkpointingGap, TRACE_LR, traceSteps } from '../testing/checkpointing.ts';
import { type OnnxNode, onnxNodes, onnxOpCounts } from '../testing/onnx-ops.ts';
import { compileAccumulatedStep, compileTrainStep, type Program } from './compile.ts';

/** A parity fixture, e.g. 'gpt2-causal-lm', with the task its name ends in. */
const load = (fixture: string) =>
  loadPretrained(fileURLToPath(new URL(`../../fixtures/models/parity/${fixture}`, import.meta.url)), {
    task: fixture.slice(fixture.indexOf('-') + 1) as Task,
  });

/** The model onnxruntime's sessions run: `program`'s, optimized at onnxruntime's default level, 'all'. */
async function optimized(program: Program): Promise<Uint8Array> {
  const path = join(mkdtempSync(join(tmpdir(), 'tuneql-ckpt-')), 'optimized.onnx');
  const session = await ort.InferenceSession.create(program.model, {
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: path,
    logSeverityLevel: 3,
  });
  await session.release();
  return readFileSync(path);
}

/** Losses and gradient norms with and without recomputation: relative tolerance. */
const RTOL = 1e-6;
/** Weights: absolute tolerance, a thousandth of one AdamW step's move (see checkpointingGap). */
const WEIGHT_ATOL = 1e-3 * TRACE_LR;

/** Dropout probabilities under each family's config names. */
const DROPOUT: Record<string, Record<string, number>> = {
  bert: { hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 },
  distilbert: { dropout: 0.1, attention_dropout: 0.1 },
  gpt2: { resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1 },
  llama: { attention_dropout: 0.1 },
};

describe('gradient checkpointing', () => {
  for (const fixture of ['bert-sequence-classification', 'distilbert-sequence-classification', 'gpt2-causal-lm', 'llama-causal-lm']) {
    it(`${fixture}: losses, gradient norms and weights after three AdamW steps with dropout equal those without (${RTOL} relative; weights ${WEIGHT_ATOL} absolute)`, async () => {
      const model = await load(fixture);
      const start = Object.fromEntries(model.params.trainableNames.map((n) => [n, model.params.get(n).data.slice() as Float32Array]));
      const tuned = { ...model, config: new ConfigReader({ ...model.config.raw, ...DROPOUT[model.arch.modelType] }) };
      const gap = checkpointingGap(await traceSteps(tuned, false), await traceSteps(tuned, true), start);
      expect(gap.losses).toBeLessThanOrEqual(RTOL);
      expect(gap.gradNorms).toBeLessThanOrEqual(RTOL);
      expect(gap.weights).toBeLessThanOrEqual(WEIGHT_ATOL);
      expect(gap.moved).toBeGreaterThan(0.1);
    }, 60_000);
  }

  it("keeps the recomputation apart in onnxruntime's optimized model: every block's attention runs twice", async () => {
    const model = await load('bert-sequence-classification');
    const layers = model.config.raw.num_hidden_layers as number;
    const softmaxes = async (program: Program): Promise<number> => onnxOpCounts(await optimized(program)).get('Softmax') ?? 0;
    const spec = (gradientCheckpointing: boolean) => ({
      params: model.params,
      optimizer: adamw(),
      build: modelBuilder(model, { batch: 4, length: 12, train: true }),
      gradientCheckpointing,
    });
    const compile = (gradientCheckpointing: boolean) => compileTrainStep(spec(gradientCheckpointing));
    expect(onnxOpCounts(compile(false).model).get('Softmax')).toBe(layers);
    expect(await softmaxes(compile(false))).toBe(layers);
    // Merged back by common-subexpression elimination, the recomputed softmaxes would leave `layers` of them.
    expect(onnxOpCounts(compile(true).model).get('Softmax')).toBe(2 * layers);
    expect(await softmaxes(compile(true))).toBe(2 * layers);
    // Gradient accumulation's micro-step recomputes as well.
    expect(onnxOpCounts(compileAccumulatedStep(spec(true), 2).accumulate.model).get('Softmax')).toBe(2 * layers);
  }, 60_000);

  it("recomputes attention's dropped probabilities in the backward pass without checkpointing, and onnxruntime keeps them apart", async () => {
    const model = await load('bert-sequence-classification');
    const layers = model.config.raw.num_hidden_layers as number;
    const tuned = { ...model, config: new ConfigReader({ ...model.config.raw, ...DROPOUT.bert }) };
    const program = compileTrainStep({
      params: model.params,
      optimizer: adamw(),
      build: modelBuilder(tuned, { batch: 4, length: 12, train: true }),
    });
    // How many Wheres select with each dropout mask (a Less of the hash, which ends in a Mul), by mask: the forward pass's and
    // its gradient's, and for attention's masks a third, the recomputation of the dropped probabilities.
    const wheresPerMask = (nodes: OnnxNode[]): number[] => {
      const producer = new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n.op] as const)));
      const masks = new Set(
        nodes.filter((n) => n.op === 'Less' && producer.get(n.inputs[0] as string) === 'Mul').flatMap((n) => n.outputs),
      );
      const count = new Map<string, number>();
      for (const n of nodes)
        if (n.op === 'Where' && masks.has(n.inputs[0] as string))
          count.set(n.inputs[0] as string, (count.get(n.inputs[0] as string) ?? 0) + 1);
      return [...count.values()].sort();
    };
    // Embeddings, then per layer attention's probabilities, its output and the feed-forward's output.
    const expected = [...Array<number>(2 * layers + 1).fill(2), ...Array<number>(layers).fill(3)];
    expect(wheresPerMask(onnxNodes(program.model))).toEqual(expected);
    // Merged back by common-subexpression elimination, the recomputation would leave two a mask.
    expect(wheresPerMask(onnxNodes(await optimized(program)))).toEqual(expected);
  }, 60_000);
});
