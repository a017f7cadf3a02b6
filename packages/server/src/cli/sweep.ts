// `tuneql sweep FILE`: creates a hyperparameter sweep on a running server from a YAML or JSON file, follows
// it live (each trial as it starts and ends, then the promoted one) and exits non-zero unless it succeeded;
// `tuneql sweep watch ID` follows one already running, `tuneql sweep cancel ID` stops one.

import { readFile } from 'node:fs/promises';
import { camelName, resolveTrainingAliases, strictObjectWithHints, TrainerSettingsSchema, TrainingSectionSchema } from '@tuneql/engine';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { enumName } from '../graphql/enums.ts';
import { unwrap } from '../graphql/zod-input.ts';
import { DeviceSchema, TASKS } from '../training/run-spec.ts';
import { type ApiOptions, gql, subscribe, wsClient } from './api-client.ts';

const ParameterSchema = strictObjectWithHints({
  /** A `training:` setting (learning_rate or learningRate), or a strategy option as strategyConfig.<option>. */
  name: z.string().min(1),
  values: z.array(z.unknown()).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  scale: z.enum(['linear', 'log']).optional(),
});

/**
 * The file mirrors createSweep's input: the base run (a `tuneql train` config's keys, with a registered model
 * and dataset by name or id instead of files), the space, and how trials are chosen, run and stopped.
 */
export const SweepFileSchema = strictObjectWithHints({
  name: z.string().min(1).optional(),
  run: strictObjectWithHints({
    model: z.string().min(1).describe("a registered model's name or id"),
    dataset: z.string().min(1).describe("a registered dataset's name or id"),
    task: z.enum(TASKS).optional(),
    strategy: strictObjectWithHints({ id: z.string().min(1), config: z.record(z.string(), z.unknown()).optional() }).optional(),
    training: z.record(z.string(), z.unknown()).optional(),
    max_length: z.number().int().min(1).optional(),
    seed: z.number().int().min(0).optional(),
    device: DeviceSchema.optional(),
  }),
  parameters: z.array(ParameterSchema).min(1),
  algorithm: z.enum(['grid', 'random', 'tpe']).optional(),
  max_trials: z.number().int().optional(),
  parallelism: z.number().int().optional(),
  early_stopping: strictObjectWithHints({ warmup_evaluations: z.number().int().optional(), min_trials: z.number().int().optional() })
    .nullable()
    .optional(),
  seed: z.number().int().optional(),
});
export type SweepFile = z.output<typeof SweepFileSchema>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A sweep file that cannot be used; lists every problem with its key. */
export class SweepFileError extends Error {
  override name = 'SweepFileError';
}

/** Reads and checks FILE: its structure, and the base run's training settings against the settings schema. */
export async function readSweepFile(file: string): Promise<SweepFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SweepFileError(`${file}: cannot be read (${(err as Error).message})`);
  }
  const yaml = /\.ya?ml$/i.test(file);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new SweepFileError(`${file}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  const parsed = SweepFileSchema.safeParse(raw);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));
  // The settings by the same schema a train config's are (unknown keys, bounds), so a typo is named here, by
  // its key in the file; what is sent stays as written, so the strategy's suggestions still fill the rest.
  const run = isRecord(raw) ? raw.run : undefined;
  const training = isRecord(run) ? run.training : undefined;
  if (isRecord(training)) {
    const checked = TrainingSectionSchema.safeParse(training);
    if (!checked.success)
      issues.push(...checked.error.issues.map((i) => ({ path: ['run', 'training', ...i.path.map(String)], message: i.message })));
  }
  if (issues.length || !parsed.success) {
    const lines = issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new SweepFileError(`${file}: ${lines.length} problem${lines.length > 1 ? 's' : ''}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Settings as the API's input takes them: keys camelCased, an enum's value under its GraphQL name (cosine -> COSINE). */
function apiValues(schema: z.ZodType | undefined, value: unknown): unknown {
  const inner = schema ? unwrap(schema) : undefined;
  const kind = inner?._zod.def.type;
  if (kind === 'enum' && typeof value === 'string') return enumName(value);
  if (kind === 'object' && isRecord(value)) {
    const shape = (inner as z.ZodObject).shape as Record<string, z.ZodType>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camelName(k), apiValues(shape[k], v)]));
  }
  return value;
}

type Page = { nodes: { id: string; name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

/** A registered model or dataset by id, or by name (paged through; names need not be unique, the oldest wins). */
async function findByName(api: ApiOptions, kind: 'models' | 'datasets', wanted: string): Promise<string> {
  const names: string[] = [];
  let after: string | null = null;
  for (;;) {
    const data: Record<string, Page> = await gql(
      api,
      `query($after: String) { ${kind}(first: 100, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    const { nodes, pageInfo } = data[kind] as Page;
    const found = nodes.find((n) => n.id === wanted || n.name === wanted);
    if (found) return found.id;
    names.push(...nodes.map((n) => n.name));
    if (!pageInfo.hasNextPage) break;
    after = pageInfo.endCursor;
  }
  const what = kind === 'models' ? 'model' : 'dataset';
  throw new SweepFileError(
    `run.${what}: the server has no ${what} named '${wanted}'${names.length ? `; it has ${names.slice(0, 20).join(', ')}` : ` (it has no ${kind})`}`,
  );
}

/** createSweep's input for the file, the model and dataset looked up on the server. */
export async function sweepInput(api: ApiOptions, file: SweepFile): Promise<Record<string, unknown>> {
  const r = file.run;
  const [modelId, datasetId] = await Promise.all([findByName(api, 'models', r.model), findByName(api, 'datasets', r.dataset)]);
  const run = {
    modelId,
    datasetId,
    task: r.task && enumName(r.task),
    strategy: r.strategy?.id,
    strategyConfig: r.strategy?.config,
    hyperparameters: apiValues(TrainerSettingsSchema, resolveTrainingAliases(r.training ?? {})),
    maxLength: r.max_length,
    seed: r.seed,
    device: r.device && enumName(r.device),
  };
  const es = file.early_stopping;
  return {
    name: file.name,
    run,
    parameters: file.parameters.map((p) => ({
      name: p.name.startsWith('strategyConfig.') ? p.name : camelName(p.name),
      values: p.values,
      min: p.min,
      max: p.max,
      scale: p.scale && enumName(p.scale),
    })),
    algorithm: file.algorithm && enumName(file.algorithm),
    maxTrials: file.max_trials,
    parallelism: file.parallelism,
    earlyStopping: es && { warmupEvaluations: es.warmup_evaluations, minTrials: es.min_trials },
    seed: file.seed,
  };
}

interface TrialView {
  number: number;
  params: Record<string, unknown>;
  state: string;
  objective: number | null;
  bestSoFar: number | null;
  promoted: boolean;
  run: { id: string; error: { code: string; message: string } | null };
}

interface SweepView {
  id: string;
  name: string;
  status: string;
  algorithm: string;
  metric: string;
  greaterIsBetter: boolean;
  maxTrials: number;
  parallelism: number;
  error: { code: string; message: string } | null;
  trials: { nodes: TrialView[] };
}

const SWEEP_FIELDS = `id name status algorithm metric greaterIsBetter maxTrials parallelism error { code message }
  trials(first: 100) { nodes { number params state objective bestSoFar promoted run { id error { code message } } } }`;

const figure = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : Number(v.toPrecision(4)).toString());
const paramsText = (p: Record<string, unknown>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? figure(v) : JSON.stringify(v)}`)
    .join(' ');

export interface SweepCommandOptions extends ApiOptions {
  /** Return once the sweep is created, without following it. */
  detach?: boolean;
  /** Stops following (the sweep goes on). */
  signal?: AbortSignal;
  /** Where lines go. @default stdout */
  log?: (line: string) => void;
}

/** `tuneql sweep FILE`: creates the sweep and, unless detached, follows it to its end. Returns the sweep's status. */
export async function sweepCommand(file: string, options: SweepCommandOptions): Promise<string> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const input = await sweepInput(options, await readSweepFile(file));
  const { createSweep } = await gql<{ createSweep: { sweep: SweepView } }>(
    options,
    `mutation($input: CreateSweepInput!) { createSweep(input: $input) { sweep { ${SWEEP_FIELDS} } } }`,
    { input },
  );
  const s = createSweep.sweep;
  log(
    `sweep ${s.id} (${s.name}): ${s.algorithm}, ${s.maxTrials} trials, ${s.parallelism} at a time; objective ${s.metric} (${s.greaterIsBetter ? 'higher' : 'lower'} is better)`,
  );
  log(`console: ${options.url}/sweeps/view?id=${s.id}`);
  if (options.detach) {
    log(`detached: follow it with tuneql sweep watch ${s.id}, stop it with tuneql sweep cancel ${s.id}`);
    return s.status;
  }
  return watchSweep(s.id, { ...options, log });
}

/** Follows a sweep over `sweepChanged`: a line per trial as it starts and ends, then the outcome. Returns the final status. */
export async function watchSweep(id: string, options: Omit<SweepCommandOptions, 'detach'>): Promise<string> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const shown = new Map<number, string>();
  let last: SweepView | undefined;
  const report = (sweep: SweepView) => {
    last = sweep;
    for (const t of sweep.trials.nodes) {
      if (shown.get(t.number) === t.state) continue;
      shown.set(t.number, t.state);
      const outcome =
        t.state === 'SUCCEEDED'
          ? `  ${sweep.metric} ${figure(t.objective)}`
          : t.state === 'PRUNED'
            ? `  stopped early: best ${sweep.metric} so far ${figure(t.bestSoFar)}`
            : t.run.error
              ? `  ${t.run.error.code}: ${t.run.error.message}`
              : '';
      log(`trial ${t.number} ${t.state.padEnd(9)} ${paramsText(t.params)}${outcome}`);
    }
  };
  const client = wsClient(options);
  const stopped = new Promise<'stopped'>((resolve) => {
    if (options.signal?.aborted) resolve('stopped');
    options.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  try {
    const ended = await Promise.race([
      subscribe<{ sweepChanged: SweepView }>(
        client,
        `subscription($id: ID!) { sweepChanged(sweepId: $id) { ${SWEEP_FIELDS} } }`,
        { id },
        (d) => report(d.sweepChanged),
      ),
      stopped,
    ]);
    if (ended === 'stopped') {
      log(`stopped following; the sweep goes on (tuneql sweep cancel ${id} stops it)`);
      return last?.status ?? 'RUNNING';
    }
  } finally {
    await client.dispose();
  }
  // The final state, trials and winner included, whatever the last change delivered.
  const { sweep } = await gql<{ sweep: SweepView }>(options, `query($id: ID!) { sweep(id: $id) { ${SWEEP_FIELDS} } }`, { id });
  report(sweep);
  const best = sweep.trials.nodes.find((t) => t.promoted);
  if (sweep.status === 'SUCCEEDED' && best) {
    log(
      `sweep SUCCEEDED: promoted trial ${best.number} (run ${best.run.id}), ${sweep.metric} ${figure(best.objective)}, ${paramsText(best.params)}`,
    );
  } else {
    log(`sweep ${sweep.status}${sweep.error ? `: ${sweep.error.code}: ${sweep.error.message}` : ''}`);
  }
  return sweep.status;
}

/** `tuneql sweep cancel ID`. */
export async function cancelSweepCommand(id: string, options: ApiOptions & { log?: (line: string) => void }): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { cancelSweep } = await gql<{ cancelSweep: { sweep: { status: string } } }>(
    options,
    'mutation($input: CancelSweepInput!) { cancelSweep(input: $input) { sweep { status } } }',
    { input: { id } },
  );
  log(`sweep ${id} ${cancelSweep.sweep.status}`);
}
