// Checks a GPU provider's kernels against the recorded PyTorch references: for each parity case
// (architecture x task head), one forward and backward pass on the provider, its loss and the worst
// gradient error of any parameter (ratio = min(abs / 1e-5, rel / 1e-3); below 1 passes, as in the
// parity tests). Exits 1 when a case fails.
//
//   node bench/gpu-check.ts [--provider webgpu|cpu|cuda] [--case NAME]... [--json] [--placement]
//
// --placement instead reports where onnxruntime puts the nodes of bench:train's training steps (every
// model, full and LoRA, at --tiny sizes: placement depends on the ops, not the sizes) and fails when any
// node is on the CPU (GPU issue 13; runtime/placement.test.ts checks the same on SwiftShader).
// --fp16-curve instead fine-tunes the recorded tiny BERT checkpoint for 30 steps in float32 and in float16
// on the provider and fails when a step's losses differ by more than 0.02 (decision 30): it needs a GPU
// with WebGPU's shader-f16, which SwiftShader lacks.

import { adamw, checkProvider, compileTrainStep, type Provider, Rng, Runtime } from '../src/index.ts';
import { checkGradients, PARITY_CASES, PARITY_ROOT } from '../src/models/parity-reference.ts';
import { instantiate, loadPretrained, modelBuilder } from '../src/models/pretrained.ts';
import { CPU_EP, nodePlacement } from '../src/runtime/placement.ts';
import type { Precision } from '../src/step/compile.ts';
import { walkArgs } from './args.ts';
import { type Line, printTable, round } from './report.ts';
import { applyLora, BENCH_MODELS, modelSpec, STRATEGIES } from './train-models.ts';

let provider: Provider = 'webgpu';
let json = false;
let placement = false;
let curve = false;
const picked: string[] = [];
walkArgs(process.argv.slice(2), '--provider NAME, --case NAME, --json, --placement, --fp16-curve', (flag, value) => {
  if (flag === '--provider') provider = checkProvider(value());
  else if (flag === '--case') picked.push(value());
  else if (flag === '--json') json = true;
  else if (flag === '--placement') placement = true;
  else if (flag === '--fp16-curve') curve = true;
  else return false;
  return true;
});

/** One line per bench:train model and strategy: nodes per provider, and those on the CPU. */
async function placements(): Promise<Line[]> {
  const lines: Line[] = [];
  for (const name of BENCH_MODELS) {
    for (const strategy of STRATEGIES) {
      const spec = modelSpec(name, true);
      const model = instantiate(spec.config, { task: spec.task, seed: 0 });
      if (strategy === 'lora') applyLora(model);
      const program = compileTrainStep({
        build: modelBuilder(model, { batch: spec.batch, length: spec.length, train: true }),
        params: model.params,
        optimizer: adamw({ weightDecay: 0.01 }),
        clipGradNorm: 1,
      });
      const p = await nodePlacement(program.model, provider);
      const onCpu = p.counts[CPU_EP] ?? 0;
      lines.push({
        model: name,
        strategy,
        provider,
        ok: provider === 'cpu' || onCpu === 0,
        nodes: Object.values(p.counts).reduce((a, b) => a + b, 0),
        on_cpu: onCpu,
        cpu_nodes: (p.nodes[CPU_EP] ?? []).map((n) => `${n.op}(${n.name})`).join(' '),
      });
    }
  }
  return lines;
}

/** 30 AdamW steps of the recorded tiny BERT classifier on four learnable batches (dropout off): the losses. */
async function fineTune(precision: Precision): Promise<{ losses: number[]; skipped: number }> {
  const [B, T] = [8, 12];
  const model = await loadPretrained(`${PARITY_ROOT}bert-sequence-classification`, { task: 'sequence-classification' });
  const program = compileTrainStep({
    params: model.params,
    optimizer: adamw({ weightDecay: 0.01 }),
    clipGradNorm: 1,
    build: modelBuilder(model, { batch: B, length: T, train: true }),
    precision,
  });
  const rng = new Rng(3);
  const data = Array.from({ length: 4 }, () => {
    const ids = BigInt64Array.from({ length: B * T }, () => BigInt(3 + rng.int(61)));
    const labels = BigInt64Array.from({ length: B }, (_, i) => BigInt(Number(ids[i * T + 1]) % 3)); // a function of token 1
    return { input_ids: ids, attention_mask: new BigInt64Array(B * T).fill(1n), token_type_ids: new BigInt64Array(B * T), labels };
  });
  const rt = await Runtime.start({ provider, threads: 1 });
  try {
    const step = await rt.load(program, model.params);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) losses.push((await step.run(data[i % 4] as never, { lr: 5e-3 })).loss);
    return { losses, skipped: step.lossScale?.skipped ?? 0 };
  } finally {
    await rt.close();
  }
}

if (curve) {
  const [fp32, fp16] = [await fineTune('fp32'), await fineTune('fp16')];
  const gaps = fp16.losses.map((l, i) => Math.abs(l - (fp32.losses[i] as number)));
  const line: Line = {
    check: 'fp16-curve',
    provider,
    ok: Math.max(...gaps) <= 0.02,
    max_gap: Number(Math.max(...gaps).toExponential(3)),
    skipped_steps: fp16.skipped,
    fp32_losses: fp32.losses.map((l) => round(l, 4)).join(' '),
    fp16_losses: fp16.losses.map((l) => round(l, 4)).join(' '),
  };
  if (json) process.stdout.write(`${JSON.stringify(line)}\n`);
  else printTable([line]);
  process.exit(line.ok ? 0 : 1);
}

if (placement) {
  const lines = await placements();
  if (json) for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
  else printTable(lines);
  process.exit(lines.every((l) => l.ok) ? 0 : 1);
}
const unknown = picked.filter((c) => !PARITY_CASES.includes(c));
if (unknown.length) throw new Error(`unknown case ${unknown.join(', ')} (known: ${PARITY_CASES.join(', ')})`);

const lines: Line[] = [];
let failed = 0;
for (const name of picked.length ? picked : PARITY_CASES) {
  const r = await checkGradients(name, provider);
  const worst = r.errors.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const lossError = Math.abs(r.loss - r.expectedLoss);
  const ok = lossError < 5e-6 && worst.ratio < 1;
  if (!ok) failed++;
  const line: Line = {
    case: name,
    provider,
    ok,
    loss_error: Number(lossError.toExponential(2)),
    worst_ratio: round(worst.ratio, 3),
    worst_param: worst.name,
    run_ms: round(r.runMs, 1),
  };
  lines.push(line);
  if (json) process.stdout.write(`${JSON.stringify(line)}\n`);
}
if (!json) {
  printTable(lines);
  console.log(`\n${lines.length - failed} of ${lines.length} cases match PyTorch on ${provider}`);
}
process.exitCode = failed ? 1 : 0;
