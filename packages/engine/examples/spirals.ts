// Quick-start job: trains an MLP on two spirals with the engine and prints its metrics per epoch.

import { parseArgs } from 'node:util';
import { trainSpirals } from '../src/demo/spirals.ts';
import type { Provider } from '../src/runtime/providers.ts';

const { values } = parseArgs({
  // `pnpm demo:engine -- --provider webgpu` passes the `--` on; without dropping it every flag after it is a positional.
  args: process.argv.slice(2).filter((arg, k) => !(k === 0 && arg === '--')),
  options: {
    provider: { type: 'string', default: 'cpu' },
    epochs: { type: 'string', default: '40' },
    seed: { type: 'string', default: '0' },
  },
});

const result = await trainSpirals({
  provider: values.provider as Provider,
  epochs: Number(values.epochs),
  seed: Number(values.seed),
  onEpoch: (e) =>
    console.log(
      `epoch ${String(e.epoch).padStart(3)}  loss ${e.loss.toFixed(4)}  test accuracy ${(e.accuracy * 100).toFixed(1)}%  ${e.stepsPerSecond.toFixed(0)} steps/s`,
    ),
});
console.log(`done: ${result.parameters} parameters, test accuracy ${(result.accuracy * 100).toFixed(1)}% on ${values.provider}`);
