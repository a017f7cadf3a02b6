// Checks a GPU provider's kernels against the recorded PyTorch references: for each parity case
// (architecture x task head), one forward and backward pass on the provider, its loss and the worst
// gradient error of any parameter (ratio = min(abs / 1e-5, rel / 1e-3); below 1 passes, as in the
// parity tests). Exits 1 when a case fails.
//
//   node bench/gpu-check.ts [--provider webgpu|cpu|cuda] [--case NAME]... [--json]

import { checkProvider, type Provider } from '../src/index.ts';
import { checkGradients, PARITY_CASES } from '../src/models/parity-reference.ts';
import { walkArgs } from './args.ts';
import { type Line, printTable, round } from './report.ts';

let provider: Provider = 'webgpu';
let json = false;
const picked: string[] = [];
walkArgs(process.argv.slice(2), '--provider NAME, --case NAME, --json', (flag, value) => {
  if (flag === '--provider') provider = checkProvider(value());
  else if (flag === '--case') picked.push(value());
  else if (flag === '--json') json = true;
  else return false;
  return true;
});
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
