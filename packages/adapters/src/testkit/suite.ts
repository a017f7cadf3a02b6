// defineStrategySuite: the checks every strategy must pass, for plugin authors to run in vitest.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  adamw,
  compileTrainStep,
  instantiate,
  loadPretrained,
  modelBuilder,
  type PretrainedModel,
  type RawConfig,
  Runtime,
  type Task,
} from '@tuneql/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppliedStrategy, applyStrategy, restoreStrategy } from '../contract/host.ts';
import type { Strategy } from '../contract/strategy.ts';
import { validateStrategy } from '../contract/validate.ts';
import { type Batch, syntheticBatches } from './data.ts';
import { maxAbsDiff, predict } from './forward.ts';

export interface StrategySuiteCase {
  /** @default the model folder's name (or model_type) and the task */
  name?: string;
  /** A Hugging Face model folder, or a config.json object for a freshly initialized model. */
  model: string | RawConfig;
  task: Task;
  numLabels?: number;
  /** The run's strategy config (raw, as a user writes it). @default {} */
  config?: unknown;
  /** Training batches, all of one shape. @default synthetic, learnable batches for the task */
  batches?: Batch[];
  /** Optimizer steps. @default 24 */
  steps?: number;
  /** @default 1e-2: higher than any real run, so a tiny model learns within the steps */
  learningRate?: number;
  /** Epochs the steps are spread over, to drive the strategy's schedule. @default 2 with a schedule, else 1 */
  epochs?: number;
  /** Largest output difference allowed between the trained model and its merge or reload. @default 1e-4 */
  tolerance?: number;
  /** Whether the freshly injected model computes what the base model does (adapters that start as identity). @default true */
  startsAsBase?: boolean;
  /** The loss over the last steps must fall below this fraction of the first step's. @default 0.95 */
  lossRatio?: number;
}

interface Trained {
  model: PretrainedModel;
  applied: AppliedStrategy;
  batches: Batch[];
  before: Map<string, Float32Array>;
  heldBack: { names: string[]; changed: string[] };
  losses: number[];
  baseOutputs: Record<string, Float32Array>;
  initialOutputs: Record<string, Float32Array>;
  trainedOutputs: Record<string, Float32Array>;
}

async function loadCase(c: StrategySuiteCase): Promise<PretrainedModel> {
  const options = { task: c.task, numLabels: c.numLabels, seed: 0 };
  return typeof c.model === 'string' ? loadPretrained(c.model, options) : instantiate(c.model, options);
}

function caseName(c: StrategySuiteCase): string {
  if (c.name) return c.name;
  const model = typeof c.model === 'string' ? basename(c.model) : String(c.model.model_type);
  return `${model} (${c.task})`;
}

async function trainCase(strategy: Strategy, c: StrategySuiteCase, rt: Runtime): Promise<Trained> {
  const model = await loadCase(c);
  const batches = c.batches ?? syntheticBatches(model);
  const first = batches[0];
  if (!first) throw new Error(`${caseName(c)}: the case has no batches`);
  const shape = { batch: first.batch, length: first.length };
  const baseOutputs = await predict(model, first.inputs, shape, rt);
  const before = new Map(model.params.names.map((n) => [n, model.params.get(n).data.slice()]));
  const applied = await applyStrategy(strategy, model, c.config ?? {});
  for (const n of model.params.names) if (!before.has(n)) before.set(n, model.params.get(n).data.slice());
  const initialOutputs = await predict(model, first.inputs, shape, rt);

  const schedule = applied.trainableSchedule;
  const program = compileTrainStep({
    params: model.params,
    optimizer: adamw({ weightDecay: 0 }),
    clipGradNorm: 1,
    build: modelBuilder(model, { ...shape, train: true }),
    gated: schedule !== undefined,
  });
  const step = await rt.load(program, model.params, { reset: true });
  const steps = c.steps ?? 24;
  const epochs = c.epochs ?? (schedule ? 2 : 1);
  const lr = c.learningRate ?? 1e-2;
  const losses: number[] = [];
  const heldBack = { names: [] as string[], changed: [] as string[] };
  for (let i = 0; i < steps; i++) {
    const epoch = Math.floor((i * epochs) / steps);
    if (schedule && (i === 0 || epoch !== Math.floor(((i - 1) * epochs) / steps))) {
      if (epoch === 1) {
        // What the schedule held back in the first epoch must not have moved.
        const values = await rt.read(heldBack.names);
        heldBack.changed = heldBack.names.filter((n) => !equalBits(values[n] as Float32Array, before.get(n) as Float32Array));
      }
      step.active = schedule(epoch);
      if (epoch === 0) heldBack.names = model.params.trainableNames.filter((n) => !step.active?.has(n));
    }
    const b = batches[i % batches.length] as Batch;
    losses.push((await step.run({ ...b.inputs, ...b.labels }, { lr })).loss);
  }
  await rt.syncTo(model.params);
  await step.release();
  const trainedOutputs = await predict(model, first.inputs, shape, rt);
  return { model, applied, batches, before, heldBack, losses, baseOutputs, initialOutputs, trainedOutputs };
}

function equalBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

/**
 * Declares a vitest suite for `strategy`: its definition passes the host's checks, and for each case
 * (a model, a task, a strategy config and a few batches) after a few training steps:
 * - parameters it leaves frozen are bit-identical to before (and the base weights were not changed by inject);
 * - the trainable and total parameter counts it reports are the model's;
 * - the loss falls;
 * - merging (when it merges) gives the trained model's outputs within the tolerance, without changing the trained model;
 * - exporting writes the files it lists, and (when it has a load hook) they load back onto a fresh base model
 *   with the trained model's outputs.
 */
export function defineStrategySuite(strategy: Strategy, cases: readonly StrategySuiteCase[], options: { timeout?: number } = {}): void {
  const timeout = options.timeout ?? 120_000;
  describe(`strategy '${strategy.id}'`, () => {
    it('passes the checks the host makes when it loads a strategy', () => {
      validateStrategy(strategy);
    });

    for (const c of cases) {
      describe(caseName(c), () => {
        let rt: Runtime;
        let t: Trained;
        const tolerance = c.tolerance ?? 1e-4;
        beforeAll(async () => {
          rt = await Runtime.start({ provider: 'cpu', threads: 1 });
          t = await trainCase(strategy, c, rt);
        }, timeout);
        afterAll(async () => {
          await rt?.close();
        });
        const shape = () => ({ batch: t.batches[0]?.batch as number, length: t.batches[0]?.length as number });

        it('keeps frozen parameters bit-identical, and base weights unchanged by inject', () => {
          const frozen = t.model.params.names.filter((n) => !t.model.params.get(n).trainable);
          const moved = frozen.filter((n) => !equalBits(t.model.params.get(n).data, t.before.get(n) as Float32Array));
          expect(moved, 'frozen parameters that changed').toEqual([]);
          expect(t.heldBack.changed, 'parameters the schedule held back in the first epoch that changed').toEqual([]);
          const trained = t.model.params.trainableNames.filter(
            (n) => !equalBits(t.model.params.get(n).data, t.before.get(n) as Float32Array),
          );
          expect(trained.length, 'trainable parameters that changed').toBeGreaterThan(0);
        });

        it('reports the trainable and total parameter counts the model has', () => {
          const { report } = t.applied;
          expect(report.trainable, 'report.trainable').toBe(t.model.params.count('trainable'));
          expect(report.total, 'report.total').toBe(t.model.params.count());
          const added = t.model.params.names.filter((n) => !t.applied.baseNames.has(n));
          expect([...report.added].sort(), 'report.added').toEqual(added.sort());
          expect(report.trainable).toBeLessThanOrEqual(report.total);
        });

        it('lowers the loss', () => {
          const head = t.losses.slice(0, 1);
          const tail = t.losses.slice(-3);
          expect(t.losses.every(Number.isFinite), `losses ${t.losses.join(', ')}`).toBe(true);
          expect(mean(tail), `losses ${t.losses.map((l) => l.toFixed(4)).join(', ')}`).toBeLessThan(mean(head) * (c.lossRatio ?? 0.95));
        });

        if (c.startsAsBase !== false) {
          it('starts out computing what the base model computes', () => {
            expect(maxAbsDiff(t.initialOutputs, t.baseOutputs)).toBeLessThanOrEqual(tolerance);
          });
        }

        it('merges into a plain model with the same outputs (when it merges)', async () => {
          if (!t.applied.canMerge) {
            await expect(t.applied.merge()).rejects.toMatchObject({ code: 'STRATEGY_MERGE_UNSUPPORTED' });
            return;
          }
          const snapshot = new Map(t.model.params.names.map((n) => [n, t.model.params.get(n).data.slice()]));
          const merged = await t.applied.merge();
          expect(merged.hooks).toBeUndefined();
          expect(
            merged.params.names.every((n) => t.applied.baseNames.has(n)),
            'merged names are base names',
          ).toBe(true);
          const outputs = await predict(merged, t.batches[0]?.inputs as never, shape(), rt);
          expect(maxAbsDiff(outputs, t.trainedOutputs), 'merged vs trained outputs').toBeLessThanOrEqual(tolerance);
          const changed = t.model.params.names.filter((n) => !equalBits(t.model.params.get(n).data, snapshot.get(n) as Float32Array));
          expect(changed, 'parameters of the trained model that merge changed').toEqual([]);
        });

        it('exports its artifact, which loads back with the same outputs', async () => {
          if (!t.applied.canExport) return;
          const dir = mkdtempSync(join(tmpdir(), `tuneql-${strategy.id}-`));
          try {
            const report = await t.applied.export(dir);
            expect(report.files.length).toBeGreaterThan(0);
            for (const f of report.files) expect(existsSync(join(dir, f)), `${f} written`).toBe(true);
            if (!strategy.load) return;
            const restored = await restoreStrategy(strategy, await loadCase(c), dir);
            const outputs = await predict(restored.model, t.batches[0]?.inputs as never, shape(), rt);
            expect(maxAbsDiff(outputs, t.trainedOutputs), 'reloaded vs trained outputs').toBeLessThanOrEqual(tolerance);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      });
    }
  });
}
