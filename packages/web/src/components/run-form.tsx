'use client';
// A run as the New run and New sweep pages set it up: model, dataset, task, strategy with its options form
// (generated from its JSON Schema) and the trainer settings' form (from the server's runSettingsSchema), checked
// as typed, as CreateRunInput; the server's refusals are placed next to their field.
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { CreateRunInput, Device, NewRunOptionsQuery, Task } from '../gql/graphql.ts';
import { settingsKeyOf, settingsPlaceholders, splitRunSettings } from '../lib/run-settings.ts';
import { defaultValues, type FormField, formFields, type JsonSchema, toConfig, validateValues } from '../lib/schema-form.ts';
import { formatCount } from './format.ts';
import { SchemaForm } from './schema-form.tsx';
import { enumLabel } from './tasks.ts';

const EMPTY_SCHEMA: JsonSchema = { type: 'object', properties: {} };

/** Where the server's refusal belongs: the strategy form, the trainer form, or a top-level field. */
export interface FieldErrors {
  top: Record<string, string>;
  strategy: Record<string, string>;
  trainer: Record<string, string>;
  /** Errors no field owns. */
  other?: unknown;
}

export const NO_ERRORS: FieldErrors = { top: {}, strategy: {}, trainer: {} };

function allKeys(fields: readonly FormField[]): string[] {
  return fields.flatMap((f) => [f.key, ...allKeys(f.children ?? []), ...(f.variants ?? []).flatMap((v) => allKeys(v.fields))]);
}

/** The form key that owns a dotted path: the longest key that is the path or a prefix of it. */
function ownerKey(keys: readonly string[], path: string): string | undefined {
  return keys.filter((k) => path === k || path.startsWith(`${k}.`)).sort((a, b) => b.length - a.length)[0];
}

export function placeErrors(err: unknown, strategyFields: readonly FormField[], trainerFields: readonly FormField[]): FieldErrors {
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

export type RunFormOptions = NewRunOptionsQuery;

/** The form's state and what follows from it: the CreateRunInput, the fields, the client's checks. */
export function useRunForm(data: RunFormOptions | undefined) {
  const [modelId, setModelId] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [task, setTask] = useState<Task | ''>('');
  const [strategyId, setStrategyId] = useState('');
  const [name, setName] = useState('');
  const [config, setConfig] = useState<Record<string, unknown>>({});
  const [trainer, setTrainer] = useState<Record<string, unknown>>({});
  const [serverErrors, setServerErrors] = useState<FieldErrors>(NO_ERRORS);

  const model = data?.models.nodes.find((m) => m.id === modelId);
  const dataset = data?.datasets.nodes.find((d) => d.id === datasetId);
  const strategy = data?.strategies.nodes.find((s) => s.id === strategyId);
  const schema = useMemo(() => (strategy?.configSchema ?? EMPTY_SCHEMA) as JsonSchema, [strategy]);
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

  const placeholders = settingsPlaceholders(
    trainerFields,
    strategy?.defaults as Record<string, unknown> | undefined,
    input?.hyperparameters ?? {},
  );
  const serverRefused = [serverErrors.top, serverErrors.strategy, serverErrors.trainer].some((e) => Object.keys(e).length > 0);

  return {
    data,
    modelId,
    setModelId,
    datasetId,
    setDatasetId,
    task,
    setTask,
    strategyId,
    setStrategyId,
    name,
    setName,
    config,
    setConfig,
    trainer,
    setTrainer,
    model,
    dataset,
    strategy,
    strategyFields,
    trainerFields,
    strategyErrors,
    trainerErrors,
    topErrors,
    clientValid,
    input,
    placeholders,
    serverErrors,
    setServerErrors,
    serverRefused,
    /** Places a refusal of the server (or any error) on its field. */
    refused: (err: unknown) => setServerErrors(placeErrors(err, strategyFields, trainerFields)),
  };
}

export type RunForm = ReturnType<typeof useRunForm>;

/** The form's cards: what to fine-tune, the strategy's options, the trainer settings. */
export function RunFormSections({ form, namePlaceholder }: { form: RunForm; namePlaceholder?: string }) {
  const { data, strategy, dataset, serverErrors } = form;
  if (!data) return null;
  const top = { ...form.topErrors, ...serverErrors.top };
  return (
    <>
      <section className="card">
        <h2>What to fine-tune</h2>
        <div className="form-grid">
          <label className="field" htmlFor="run-model">
            <span className="name">1. Model</span>
            <select id="run-model" value={form.modelId} onChange={(e) => form.setModelId(e.target.value)}>
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
            <select id="run-dataset" value={form.datasetId} onChange={(e) => form.setDatasetId(e.target.value)}>
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
              value={form.task}
              onChange={(e) => form.setTask(e.target.value as Task)}
            >
              {(form.model?.supportedTasks ?? (form.task ? [form.task] : [])).map((t) => (
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
              value={form.strategyId}
              onChange={(e) => form.setStrategyId(e.target.value)}
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
              placeholder={namePlaceholder ?? (strategy && dataset ? `${strategy.id} on ${dataset.name}` : '')}
              value={form.name}
              onChange={(e) => form.setName(e.target.value)}
            />
          </label>
        </div>
        {strategy && <p className="small muted">{strategy.description}</p>}
      </section>
      <section className="card" data-testid="strategy-form">
        <h2>{strategy ? `${strategy.name} options` : 'Strategy options'}</h2>
        <SchemaForm
          idPrefix="cfg"
          fields={form.strategyFields}
          values={form.config}
          onChange={form.setConfig}
          errors={{ ...form.strategyErrors, ...serverErrors.strategy }}
        />
      </section>
      <section className="card" data-testid="trainer-form">
        <h2>5. Hyperparameters</h2>
        <SchemaForm
          idPrefix="hp"
          fields={form.trainerFields}
          values={form.trainer}
          onChange={form.setTrainer}
          errors={{ ...form.trainerErrors, ...serverErrors.trainer }}
          placeholders={form.placeholders}
        />
      </section>
    </>
  );
}
