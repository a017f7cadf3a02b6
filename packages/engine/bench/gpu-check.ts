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

import { adamw, checkProvider, compileTrainStep, type Provider } from '../src/index.ts';
import { checkGradients, PARITY_CASES } from '../src/models/parity-reference.ts';
import { instantiate, modelBuilder } from '../src/models/pretrained.ts';
import { CPU_EP, nodePlacement } from '../src/runtime/placement.ts';
import { walkArgs } from './args.ts';
import { type Line, printTable, round } from './report.ts';
import { applyLora, BENCH_MODELS, modelSpec, STRATEGIES } from './train-models.ts';

let provider: Provider = 'webgpu';
let json = false;
let placement = false;
const picked: string[] = [];
walkArgs(process.argv.slice(2), '--provider NAME, --case NAME, --json, --placement', (flag, value) => {
  if (flag === '--provider') provider = checkProvider(value());
  else if (flag === '--case') picked.push(value());
  else if (flag === '--json') json = true;
  else if (flag === '--placement') placement = true;
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
