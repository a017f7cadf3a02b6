// Running a model forward on one batch, for comparing adapted, merged and reloaded models.

import { compileInference, type Feeds, modelBuilder, type PretrainedModel, Runtime } from '@tuneql/engine';

/** The model's outputs (logits, or start_logits and end_logits) for one batch, in inference mode. */
export async function predict(
  model: PretrainedModel,
  inputs: Feeds,
  shape: { batch: number; length: number },
  runtime?: Runtime,
): Promise<Record<string, Float32Array>> {
  const program = compileInference({ params: model.params, build: modelBuilder(model, { ...shape, train: false }) });
  const rt = runtime ?? (await Runtime.start({ provider: 'cpu', threads: 1 }));
  try {
    // Reset: this model's trainable values replace whatever another model left in the same slots.
    const loaded = await rt.load(program, model.params, { reset: true });
    const r = await loaded.run(inputs);
    await loaded.release();
    return Object.fromEntries(Object.entries(r.outputs).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    if (!runtime) await rt.close();
  }
}

/** The largest absolute difference between two sets of outputs with the same names and sizes. */
export function maxAbsDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let worst = 0;
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) {
    const x = a[name];
    const y = b[name];
    if (!x || !y || x.length !== y.length) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return worst;
}
