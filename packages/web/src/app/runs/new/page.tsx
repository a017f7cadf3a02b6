'use client';
// New run: model, dataset, task, strategy (its options form generated from its JSON Schema), trainer settings,
// a preflight estimate re-queried as the inputs change, and launch; the server's refusals land next to their field.
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { request } from '../../../api/client.ts';
import { CreateRunMutation, NewRunOptionsQuery, PreflightQuery } from '../../../api/operations.ts';
import { useQuery } from '../../../api/use-query.ts';
import { ErrorBox, Loading, Stat } from '../../../components/bits.tsx';
import { formatBytes, formatCount, formatDuration } from '../../../components/format.ts';
import { NO_ERRORS, placeErrors, RunFormSections, useRunForm } from '../../../components/run-form.tsx';
import type { CreateRunInput, PreflightQuery as PreflightData } from '../../../gql/graphql.ts';

const PREFLIGHT_DELAY_MS = 400;

type Preflight = PreflightData['preflight'];

export default function NewRunPage() {
  const router = useRouter();
  const options = useQuery(NewRunOptionsQuery, {});
  const form = useRunForm(options.data);
  const { input, clientValid, strategyFields, trainerFields, setServerErrors, serverErrors, serverRefused } = form;
  const [preflight, setPreflight] = useState<Preflight>();
  const [preflightBusy, setPreflightBusy] = useState(false);
  const [launching, setLaunching] = useState(false);

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
  }, [inputKey, strategyFields, trainerFields, setServerErrors]);

  const launch = async () => {
    if (!input) return;
    setLaunching(true);
    try {
      const r = await request(CreateRunMutation, { input });
      router.push(`/runs/view?id=${r.createRun.run.id}`);
    } catch (err) {
      form.refused(err);
      setLaunching(false);
    }
  };

  if (options.error) return <ErrorBox error={options.error} />;
  if (!options.data) return <Loading what="models, datasets and strategies" />;

  const hp = input?.hyperparameters ?? {};
  const placeholders = form.placeholders;
  // Blank epochs: the strategy's suggestion, else the schema's default (both in the placeholder).
  const steps = preflight ? (hp.maxSteps ?? preflight.stepsPerEpoch * (hp.epochs ?? Number(placeholders.epochs))) : 0;
  const epochsRun = preflight && preflight.stepsPerEpoch > 0 ? steps / preflight.stepsPerEpoch : 0;
  return (
    <>
      <h1>New run</h1>
      <div className="grid" style={{ gridTemplateColumns: 'minmax(0, 2fr) minmax(280px, 1fr)' }}>
        <div>
          <RunFormSections form={form} />
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
