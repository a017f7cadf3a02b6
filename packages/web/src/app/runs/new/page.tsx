'use client';
// New run: model, dataset, task, strategy (its options form generated from its JSON Schema), trainer settings,
// a preflight estimate re-queried as the inputs change, and launch; the server's refusals land next to their field.
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, request } from '../../../api/client.ts';
import { CreateRunMutation, NewRunOptionsQuery, PreflightQuery } from '../../../api/operations.ts';
import { useQuery } from '../../../api/use-query.ts';
import { ErrorBox, Loading, Stat } from '../../../components/bits.tsx';
import { formatBytes, formatCount, formatDuration } from '../../../components/format.ts';
import { SchemaForm } from '../../../components/schema-form.tsx';
import { enumLabel } from '../../../components/tasks.ts';
import type { CreateRunInput, Device, PreflightQuery as PreflightData, Task } from '../../../gql/graphql.ts';
import { settingsKeyOf, settingsPlaceholders, splitRunSettings } from '../../../lib/run-settings.ts';
import { defaultValues, type FormField, formFields, type JsonSchema, toConfig, validateValues } from '../../../lib/schema-form.ts';

const EMPTY_SCHEMA: JsonSchema = { type: 'object', properties: {} };

const PREFLIGHT_DELAY_MS = 400;

/** Where the server's refusal belongs: the strategy form, the trainer form, or a top-level field. */
interface FieldErrors {
  top: Record<string, string>;
  strategy: Record<string, string>;
  trainer: Record<string, string>;
  /** Errors no field owns. */
  other?: unknown;
}

const NO_ERRORS: FieldErrors = { top: {}, strategy: {}, trainer: {} };

function allKeys(fields: readonly FormField[]): string[] {
  return fields.flatMap((f) => [f.key, ...allKeys(f.children ?? []), ...(f.variants ?? []).flatMap((v) => allKeys(v.fields))]);
}

/** The form key that owns a dotted path: the longest key that is the path or a prefix of it. */
function ownerKey(keys: readonly string[], path: string): string | undefined {
  return keys.filter((k) => path === k || path.startsWith(`${k}.`)).sort((a, b) => b.length - a.length)[0];
}

function placeErrors(err: unknown, strategyFields: readonly FormField[], trainerFields: readonly FormField[]): FieldErrors {
  if (!(err instanceof ApiError)) return { ...NO_ERRORS, other: err };
  const out: FieldErrors = { top: {}, strategy: {}, trainer: {} };
  let placed = false;
  const e = err.extensions;
  if (err.code === 'STRATEGY_CONFIG_INVALID' && typeof e.path === 'string') {
    const key = ownerKey(allKeys(strategyFields), e.path) ?? e.path;
    out.strategy[key] = err.message;
    placed = true;
  } else if (err.code === 'RUN_INVALID_INPUT' && Array.isArray(e.problems)) {
    for (const p of e.problems as { path: string; message: string }[]) {
      const key = ownerKey(allKeys(trainerFields), settingsKeyOf(p.path));
      if (key) {
        out.trainer[key] = p.message;
        placed = true;
      }
    }
  } else if (typeof e.field === 'string') {
    out.top[e.field] = err.message;
    placed = true;
  } else if (err.code === 'STRATEGY_UNSUPPORTED') {
    out.top.strategy = err.message;
    placed = true;
  }
  if (!placed) out.other = err;
  return out;
}

type Preflight = PreflightData['preflight'];

export default function NewRunPage() {
  const router = useRouter();
  const options = useQuery(NewRunOptionsQuery, {});
  const [modelId, setModelId] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [task, setTask] = useState<Task | ''>('');
  const [strategyId, setStrategyId] = useState('');
  const [name, setName] = useState('');
  const [config, setConfig] = useState<Record<string, unknown>>({});
  const [trainer, setTrainer] = useState<Record<string, unknown>>({});
  const [serverErrors, setServerErrors] = useState<FieldErrors>(NO_ERRORS);
  const [preflight, setPreflight] = useState<Preflight>();
  const [preflightBusy, setPreflightBusy] = useState(false);
  const [launching, setLaunching] = useState(false);

  const data = options.data;
  const model = data?.models.nodes.find((m) => m.id === modelId);
  const dataset = data?.datasets.nodes.find((d) => d.id === datasetId);
  const strategy = data?.strategies.nodes.find((s) => s.id === strategyId);
  const schema = useMemo(() => (strategy?.configSchema ?? { type: 'object', properties: {} }) as JsonSchema, [strategy]);
  const strategyFields = useMemo(() => formFields(schema), [schema]);
  // The trainer settings' form comes from the server's schema of them, as a strategy's form from its configSchema.
  const trainerSchema = useMemo(() => (data?.runSettingsSchema ?? EMPTY_SCHEMA) as JsonSchema, [data]);
  const trainerFields = useMemo(() => formFields(trainerSchema), [trainerSchema]);

  // First choices: the first model, dataset and LoRA (else the first strategy) once the options arrive.
  useEffect(() => {
    if (!data) return;
    setModelId((v) => v || data.models.nodes[0]?.id || '');
    setDatasetId((v) => v || data.datasets.nodes[0]?.id || '');
    setStrategyId((v) => v || (data.strategies.nodes.find((s) => s.id === 'lora') ?? data.strategies.nodes[0])?.id || '');
  }, [data]);
  useEffect(() => {
    if (dataset) setTask(dataset.task);
  }, [dataset]);
  useEffect(() => {
    setConfig(defaultValues(schema));
    setServerErrors(NO_ERRORS);
  }, [schema]);

  const strategyErrors = useMemo(() => validateValues(schema, config), [schema, config]);
  const trainerErrors = useMemo(() => validateValues(trainerSchema, trainer), [trainerSchema, trainer]);
  const topErrors: Record<string, string> = {};
  if (model && task && !model.supportedTasks.includes(task))
    topErrors.task = `${model.name} cannot be fine-tuned for ${enumLabel(task)}; it supports ${model.supportedTasks.map(enumLabel).join(', ')}`;
  if (dataset && task && dataset.task !== task)
    topErrors.task = `dataset ${dataset.name} was checked for ${enumLabel(dataset.task)}; upload it again for ${enumLabel(task)}`;
  if (strategy && task && !strategy.tasks.includes(task)) topErrors.strategy = `${strategy.id} does not support ${enumLabel(task)}`;
  if (strategy && model && !strategy.architectures.includes('*') && !strategy.architectures.includes(model.modelType))
    topErrors.strategy = `${strategy.id} supports ${strategy.architectures.join(', ')}, not ${model.modelType}`;
  const clientValid =
    !!(model && dataset && strategy) &&
    !Object.keys(strategyErrors).length &&
    !Object.keys(trainerErrors).length &&
    !Object.keys(topErrors).length;

  const input: CreateRunInput | undefined = useMemo(() => {
    if (!model || !dataset || !strategy) return undefined;
    const { hyperparameters, run } = splitRunSettings(toConfig(trainerSchema, trainer));
    const { maxLength, seed, device } = run;
    return {
      name: name.trim() || undefined,
      modelId: model.id,
      datasetId: dataset.id,
      task: task || undefined,
      strategy: strategy.id,
      strategyConfig: toConfig(schema, config),
      hyperparameters,
      ...(maxLength !== undefined ? { maxLength: maxLength as number } : {}),
      ...(seed !== undefined ? { seed: seed as number } : {}),
      ...(device !== undefined ? { device: device as Device } : {}),
    };
  }, [model, dataset, strategy, schema, config, trainerSchema, trainer, task, name]);

  // Preflight, debounced: only the latest inputs' answer is shown.
  const inputKey = clientValid && input ? JSON.stringify(input) : '';
  useEffect(() => {
    if (!inputKey) {
      setPreflight(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      setPreflightBusy(true);
      request(PreflightQuery, { input: JSON.parse(inputKey) as CreateRunInput })
        .then((r) => {
          if (!current) return;
          setPreflight(r.preflight);
          setServerErrors(NO_ERRORS);
        })
        .catch((err: unknown) => {
          if (!current) return;
          setPreflight(undefined);
          setServerErrors(placeErrors(err, strategyFields, trainerFields));
        })
        .finally(() => current && setPreflightBusy(false));
    }, PREFLIGHT_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [inputKey, strategyFields, trainerFields]);

  const launch = async () => {
    if (!input) return;
    setLaunching(true);
    try {
      const r = await request(CreateRunMutation, { input });
      router.push(`/runs/view?id=${r.createRun.run.id}`);
    } catch (err) {
      setServerErrors(placeErrors(err, strategyFields, trainerFields));
      setLaunching(false);
    }
  };

  if (options.error) return <ErrorBox error={options.error} />;
  if (!data) return <Loading what="models, datasets and strategies" />;

  const hp = input?.hyperparameters ?? {};
  const placeholders = settingsPlaceholders(trainerFields, strategy?.defaults as Record<string, unknown> | undefined, hp);
  // Blank epochs: the strategy's suggestion, else the schema's default (both in the placeholder).
  const steps = preflight ? (hp.maxSteps ?? preflight.stepsPerEpoch * (hp.epochs ?? Number(placeholders.epochs))) : 0;
  const epochsRun = preflight && preflight.stepsPerEpoch > 0 ? steps / preflight.stepsPerEpoch : 0;
  const top = { ...topErrors, ...serverErrors.top };
  const serverRefused = [serverErrors.top, serverErrors.strategy, serverErrors.trainer].some((e) => Object.keys(e).length > 0);
  return (
    <>
      <h1>New run</h1>
      <div className="grid" style={{ gridTemplateColumns: 'minmax(0, 2fr) minmax(280px, 1fr)' }}>
        <div>
          <section className="card">
            <h2>What to fine-tune</h2>
            <div className="form-grid">
              <label className="field" htmlFor="run-model">
                <span className="name">1. Model</span>
                <select id="run-model" value={modelId} onChange={(e) => setModelId(e.target.value)}>
                  {data.models.nodes.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name} ({m.modelType}, {formatCount(m.parameterCount)})
                    </option>
                  ))}
                </select>
                {top.modelId && <span className="field-error">{top.modelId}</span>}
              </label>
              <label className="field" htmlFor="run-dataset">
                <span className="name">2. Dataset</span>
                <select id="run-dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
                  {data.datasets.nodes.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name} ({enumLabel(d.task)}, {d.rowCount} rows)
                    </option>
                  ))}
                </select>
                {top.datasetId && <span className="field-error">{top.datasetId}</span>}
              </label>
              <label className="field" htmlFor="run-task">
                <span className="name">3. Task</span>
                <select
                  id="run-task"
                  className={top.task ? 'invalid' : undefined}
                  value={task}
                  onChange={(e) => setTask(e.target.value as Task)}
                >
                  {(model?.supportedTasks ?? (task ? [task] : [])).map((t) => (
                    <option key={t} value={t}>
                      {enumLabel(t)}
                    </option>
                  ))}
                </select>
                {top.task && <span className="field-error">{top.task}</span>}
              </label>
              <label className="field" htmlFor="run-strategy">
                <span className="name">4. Strategy</span>
                <select
                  id="run-strategy"
                  className={top.strategy ? 'invalid' : undefined}
                  value={strategyId}
                  onChange={(e) => setStrategyId(e.target.value)}
                >
                  {data.strategies.nodes.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name} ({s.id}
                      {s.source.startsWith('@tuneql/') ? '' : `, plugin ${s.source}`})
                    </option>
                  ))}
                </select>
                {top.strategy && <span className="field-error">{top.strategy}</span>}
              </label>
              <label className="field" htmlFor="run-name">
                <span className="name">Name</span>
                <input
                  id="run-name"
                  type="text"
                  placeholder={strategy && dataset ? `${strategy.id} on ${dataset.name}` : ''}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                />
              </label>
            </div>
            {strategy && <p className="small muted">{strategy.description}</p>}
          </section>
          <section className="card" data-testid="strategy-form">
            <h2>{strategy ? `${strategy.name} options` : 'Strategy options'}</h2>
            <SchemaForm
              idPrefix="cfg"
              fields={strategyFields}
              values={config}
              onChange={setConfig}
              errors={{ ...strategyErrors, ...serverErrors.strategy }}
            />
          </section>
          <section className="card" data-testid="trainer-form">
            <h2>5. Hyperparameters</h2>
            <SchemaForm
              idPrefix="hp"
              fields={trainerFields}
              values={trainer}
              onChange={setTrainer}
              errors={{ ...trainerErrors, ...serverErrors.trainer }}
              placeholders={placeholders}
            />
          </section>
        </div>
        <div>
          <section className="card" data-testid="preflight" style={{ position: 'sticky', top: 12 }}>
            <h2>Estimate {preflightBusy && <span className="small muted">updating…</span>}</h2>
            {preflight ? (
              <>
                <div className="stats" style={{ flexDirection: 'column', gap: 10 }}>
                  <Stat label="trainable parameters">
                    <span data-testid="preflight-trainable">{formatCount(preflight.trainableParameters)}</span>{' '}
                    <span className="small muted">
                      of {formatCount(preflight.totalParameters)} (
                      {((preflight.trainableParameters / Math.max(1, preflight.totalParameters)) * 100).toFixed(2)}%)
                    </span>
                  </Stat>
                  <Stat label="memory">
                    {formatBytes(preflight.memoryBytes)}{' '}
                    <span className="muted small">of {formatBytes(preflight.memoryLimitBytes)} a run may use</span>
                  </Stat>
                  <Stat label="steps per epoch">{preflight.stepsPerEpoch}</Stat>
                  <Stat label="time per epoch">{formatDuration(preflight.secondsPerEpoch)}</Stat>
                  <Stat label={`whole run (${steps} steps)`}>{formatDuration(preflight.secondsPerEpoch * epochsRun)}</Stat>
                </div>
                {preflight.error && (
                  <div className="error-box small" data-testid="preflight-error">
                    <span className="code">{preflight.error.code}</span>
                    {preflight.error.message}
                  </div>
                )}
                {preflight.warnings.map((w) => (
                  <div className="warning small" key={w}>
                    {w}
                  </div>
                ))}
              </>
            ) : (
              <p className="muted small">
                {serverRefused
                  ? 'The server refused these settings: see the marked field.'
                  : clientValid
                    ? 'Estimating…'
                    : 'Fix the marked fields to see an estimate.'}
              </p>
            )}
            <ErrorBox error={serverErrors.other} />
            <button
              type="button"
              style={{ marginTop: 12, width: '100%' }}
              disabled={!clientValid || serverRefused || launching}
              onClick={() => void launch()}
            >
              {launching ? 'Launching…' : 'Launch run'}
            </button>
          </section>
        </div>
      </div>
    </>
  );
}
