'use client';
// New sweep: the base run from the New run page's form (model, dataset, task, strategy and its options, trainer
// settings), a search space over its settings and the strategy's options, the method and budget; createSweep,
// then the sweep's page. Problems, the client's and the server's, show at their field.
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, request } from '../../../api/client.ts';
import { CreateSweepMutation, NewRunOptionsQuery } from '../../../api/operations.ts';
import { useQuery } from '../../../api/use-query.ts';
import { ErrorBox, Loading } from '../../../components/bits.tsx';
import { NO_ERRORS, RunFormSections, useRunForm } from '../../../components/run-form.tsx';
import type { SweepAlgorithm } from '../../../gql/graphql.ts';
import {
  newRow,
  PARAMETER_KINDS,
  type ParameterKind,
  type ParameterRow,
  sweepableParameters,
  sweepErrorField,
  toParameters,
} from '../../../lib/search-space.ts';

const ALGORITHMS: readonly { value: SweepAlgorithm; label: string }[] = [
  { value: 'GRID', label: 'grid (every combination of the values)' },
  { value: 'RANDOM', label: 'random' },
  { value: 'TPE', label: 'TPE (learns from finished trials)' },
];

/** A whole number typed into a field: undefined when blank, NaN when not a whole number. */
function wholeNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) ? n : Number.NaN;
}

/** A labelled text input with its help and its problem (client's or server's) under it. */
function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  help?: string;
  placeholder?: string;
  inputMode?: 'decimal' | 'numeric';
  wide?: boolean;
}) {
  return (
    <label className="field" htmlFor={props.id} style={props.wide ? { gridColumn: 'span 2' } : undefined}>
      <span className="name">{props.label}</span>
      <input
        id={props.id}
        type="text"
        inputMode={props.inputMode}
        className={props.error ? 'invalid' : undefined}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.help && <span className="help">{props.help}</span>}
      {props.error && <span className="field-error">{props.error}</span>}
    </label>
  );
}

export default function NewSweepPage() {
  const router = useRouter();
  const options = useQuery(NewRunOptionsQuery, {});
  const form = useRunForm(options.data);
  const [rows, setRows] = useState<ParameterRow[]>([]);
  const [algorithm, setAlgorithm] = useState<SweepAlgorithm>('RANDOM');
  const [maxTrials, setMaxTrials] = useState('');
  const [parallelism, setParallelism] = useState('2');
  const [early, setEarly] = useState(false);
  const [warmup, setWarmup] = useState('1');
  const [minTrials, setMinTrials] = useState('3');
  const [seed, setSeed] = useState('0');
  const [sweepErrors, setSweepErrors] = useState<Record<string, string>>({});
  const [creating, setCreating] = useState(false);

  const sweepable = useMemo(() => sweepableParameters(form.trainerFields, form.strategyFields), [form.trainerFields, form.strategyFields]);
  // A first row once the settings are known: the learning rate, the setting a sweep varies most.
  useEffect(() => {
    if (sweepable.length) setRows((r) => (r.length ? r : [newRow(sweepable.find((p) => p.name === 'learningRate') ?? sweepable[0])]));
  }, [sweepable]);
  // A strategy's options change with the strategy: rows naming another strategy's options go.
  useEffect(() => {
    setRows((r) => r.filter((row) => !row.name || sweepable.some((p) => p.name === row.name)));
  }, [sweepable]);

  const space = useMemo(() => toParameters(rows, sweepable, algorithm), [rows, sweepable, algorithm]);
  const settingsErrors: Record<string, string> = {};
  const trials = wholeNumber(maxTrials);
  if (trials !== undefined && (Number.isNaN(trials) || trials < 1 || trials > 100))
    settingsErrors.maxTrials = 'a whole number from 1 to 100';
  const parallel = wholeNumber(parallelism);
  if (parallel === undefined || Number.isNaN(parallel) || parallel < 1 || parallel > 32)
    settingsErrors.parallelism = 'a whole number from 1 to 32';
  const warm = wholeNumber(warmup);
  const least = wholeNumber(minTrials);
  if (early && (warm === undefined || Number.isNaN(warm) || warm < 0))
    settingsErrors['earlyStopping.warmupEvaluations'] = 'a whole number, 0 or more';
  if (early && (least === undefined || Number.isNaN(least) || least < 1))
    settingsErrors['earlyStopping.minTrials'] = 'a whole number, 1 or more';
  const sweepSeed = wholeNumber(seed);
  if (sweepSeed !== undefined && Number.isNaN(sweepSeed)) settingsErrors.seed = 'a whole number';
  const errors = { ...space.errors, ...settingsErrors, ...sweepErrors };
  const clientValid = form.clientValid && !Object.keys(space.errors).length && !Object.keys(settingsErrors).length;

  // A change clears the server's last refusal: it may no longer hold.
  const inputKey = JSON.stringify([form.input, rows, algorithm, maxTrials, parallelism, early, warmup, minTrials, seed]);
  const { setServerErrors } = form;
  // biome-ignore lint/correctness/useExhaustiveDependencies: inputKey stands for every input
  useEffect(() => {
    setSweepErrors({});
    setServerErrors(NO_ERRORS);
  }, [inputKey, setServerErrors]);

  const setRow = (i: number, change: Partial<ParameterRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));

  const create = async () => {
    if (!form.input) return;
    setCreating(true);
    const { name, ...run } = form.input;
    try {
      const r = await request(CreateSweepMutation, {
        input: {
          name,
          run,
          parameters: space.parameters,
          algorithm,
          maxTrials: trials ?? null,
          parallelism: parallel as number,
          earlyStopping: early ? { warmupEvaluations: warm as number, minTrials: least as number } : null,
          seed: sweepSeed ?? 0,
        },
      });
      router.push(`/sweeps/view?id=${r.createSweep.sweep.id}`);
    } catch (err) {
      setCreating(false);
      // The base run's refusals land in its form; the sweep's on its row or setting.
      const field = err instanceof ApiError && err.code?.startsWith('SWEEP_') ? sweepErrorField(err.extensions, rows) : undefined;
      if (field) setSweepErrors({ [field]: (err as ApiError).message });
      else if (err instanceof ApiError && err.code?.startsWith('SWEEP_')) setSweepErrors({ other: err.message });
      else form.refused(err);
    }
  };

  if (options.error) return <ErrorBox error={options.error} />;
  if (!options.data) return <Loading what="models, datasets and strategies" />;

  const fieldError = (key: string) => errors[key] && <span className="field-error">{errors[key]}</span>;
  const invalid = (key: string) => (errors[key] ? 'invalid' : undefined);
  const serverOther = form.serverErrors.other;
  return (
    <>
      <h1>New sweep</h1>
      <div className="grid" style={{ gridTemplateColumns: 'minmax(0, 2fr) minmax(280px, 1fr)' }}>
        <div>
          <RunFormSections form={form} namePlaceholder={form.strategy ? `${algorithm} sweep of ${form.strategy.id}` : ''} />
          <section className="card" data-testid="search-space">
            <h2>6. Search space</h2>
            <p className="small muted">
              Each trial lays one value of every parameter over the run above. A choice lists values (comma-separated); a range is drawn
              uniformly, uniformly in its logarithm, or as whole numbers.
            </p>
            {rows.map((row, i) => {
              const p = sweepable.find((s) => s.name === row.name);
              return (
                <div
                  className="form-grid"
                  // biome-ignore lint/suspicious/noArrayIndexKey: a row is its position (errors name it by index)
                  key={i}
                  data-testid="space-row"
                  data-row={i}
                  style={{ gridTemplateColumns: 'minmax(0, 1.4fr) minmax(0, 1fr) minmax(0, 0.8fr) minmax(0, 0.8fr) auto', marginBottom: 8 }}
                >
                  <label className="field" htmlFor={`space-${i}-name`}>
                    <span className="name">Parameter</span>
                    <select
                      id={`space-${i}-name`}
                      className={invalid(`parameters.${i}.name`)}
                      value={row.name}
                      onChange={(e) => {
                        const next = sweepable.find((s) => s.name === e.target.value);
                        setRow(i, { name: e.target.value, kind: newRow(next).kind });
                      }}
                    >
                      <option value="">choose…</option>
                      {sweepable.map((s) => (
                        <option key={s.name} value={s.name}>
                          {s.name}
                        </option>
                      ))}
                    </select>
                    {p?.field.description && <span className="help">{p.field.description}</span>}
                    {fieldError(`parameters.${i}.name`)}
                  </label>
                  <label className="field" htmlFor={`space-${i}-kind`}>
                    <span className="name">Kind</span>
                    <select
                      id={`space-${i}-kind`}
                      className={invalid(`parameters.${i}.kind`)}
                      value={row.kind}
                      onChange={(e) => setRow(i, { kind: e.target.value as ParameterKind })}
                    >
                      {PARAMETER_KINDS.map((k) => (
                        <option key={k.kind} value={k.kind}>
                          {k.label}
                        </option>
                      ))}
                    </select>
                    {fieldError(`parameters.${i}.kind`)}
                  </label>
                  {row.kind === 'choice' ? (
                    <TextField
                      id={`space-${i}-values`}
                      label="Values"
                      wide
                      placeholder={p?.field.options ? p.field.options.map((o) => o.label).join(', ') : 'e.g. 4, 8, 16'}
                      value={row.values}
                      onChange={(values) => setRow(i, { values })}
                      error={errors[`parameters.${i}.values`]}
                    />
                  ) : (
                    <>
                      <TextField
                        id={`space-${i}-min`}
                        label="Min"
                        inputMode="decimal"
                        value={row.min}
                        onChange={(min) => setRow(i, { min })}
                        error={errors[`parameters.${i}.min`]}
                      />
                      <TextField
                        id={`space-${i}-max`}
                        label="Max"
                        inputMode="decimal"
                        value={row.max}
                        onChange={(max) => setRow(i, { max })}
                        error={errors[`parameters.${i}.max`]}
                      />
                    </>
                  )}
                  <div className="field">
                    <button type="button" className="secondary" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </div>
                </div>
              );
            })}
            {fieldError('parameters')}
            <button
              type="button"
              className="secondary"
              onClick={() => setRows([...rows, newRow(sweepable.find((s) => !rows.some((r) => r.name === s.name)))])}
            >
              Add parameter
            </button>
          </section>
        </div>
        <div>
          <section className="card" data-testid="sweep-settings" style={{ position: 'sticky', top: 12 }}>
            <h2>7. Sweep</h2>
            <div className="form-grid" style={{ gridTemplateColumns: '1fr' }}>
              <label className="field" htmlFor="sweep-algorithm">
                <span className="name">Method</span>
                <select id="sweep-algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value as SweepAlgorithm)}>
                  {ALGORITHMS.map((a) => (
                    <option key={a.value} value={a.value}>
                      {a.label}
                    </option>
                  ))}
                </select>
              </label>
              <TextField
                id="sweep-max-trials"
                label="Trials"
                inputMode="numeric"
                placeholder={algorithm === 'GRID' ? "the grid's size" : '10'}
                value={maxTrials}
                onChange={setMaxTrials}
                help="at most 100"
                error={errors.maxTrials}
              />
              <TextField
                id="sweep-parallelism"
                label="Parallelism"
                inputMode="numeric"
                value={parallelism}
                onChange={setParallelism}
                help="trials queued or running at once; the workers take them in parallel"
                error={errors.parallelism}
              />
              <div className="field">
                <label className="check">
                  <input id="sweep-early" type="checkbox" checked={early} onChange={(e) => setEarly(e.target.checked)} />
                  <span className="name">Stop poor trials early (median rule)</span>
                </label>
                <span className="help small muted">
                  A trial stops at an evaluation when its best so far is worse than the median of the finished trials at the same epoch.
                </span>
                {fieldError('earlyStopping')}
              </div>
              {early && (
                <>
                  <TextField
                    id="sweep-warmup"
                    label="Warm-up evaluations"
                    inputMode="numeric"
                    value={warmup}
                    onChange={setWarmup}
                    help="evaluations of a trial that never stop it"
                    error={errors['earlyStopping.warmupEvaluations']}
                  />
                  <TextField
                    id="sweep-min-trials"
                    label="Finished trials first"
                    inputMode="numeric"
                    value={minTrials}
                    onChange={setMinTrials}
                    help="trials that must have succeeded before any is stopped"
                    error={errors['earlyStopping.minTrials']}
                  />
                </>
              )}
              <TextField
                id="sweep-seed"
                label="Seed"
                inputMode="numeric"
                value={seed}
                onChange={setSeed}
                help="the draws of random and TPE: the same seed and results give the same trials"
                error={errors.seed}
              />
            </div>
            {errors.other && (
              <div className="error-box small" role="alert" data-testid="sweep-error">
                {errors.other}
              </div>
            )}
            <ErrorBox error={serverOther} />
            {form.serverRefused && <p className="muted small">The server refused the run's settings: see the marked field.</p>}
            <button
              type="button"
              style={{ marginTop: 12, width: '100%' }}
              disabled={!clientValid || form.serverRefused || creating}
              onClick={() => void create()}
            >
              {creating ? 'Creating…' : 'Create sweep'}
            </button>
          </section>
        </div>
      </div>
    </>
  );
}
