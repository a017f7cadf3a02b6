'use client';
// One run, live: progress with ETA, charts of every metric (stored history, then the runEvents subscription
// resumed from the last seq after any reconnect), early stopping, checkpoints, test results, the event log,
// cancel / resume / delete, and exports with their download links.
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type MouseEvent, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { downloadArtifact, request, savedToken, subscribe } from '../../../api/client.ts';
import {
  CancelRunMutation,
  DeleteRunMutation,
  ExportRunMutation,
  ResumeRunMutation,
  RunChangedSubscription,
  RunEventsSubscription,
  RunQuery,
} from '../../../api/operations.ts';
import { ErrorBox, Loading, RunProgressBar, Stat, StatusBadge } from '../../../components/bits.tsx';
import { formatBytes, formatCount, formatDuration, formatTime, formatValue } from '../../../components/format.ts';
import { LineChart, SmoothingControl } from '../../../components/line-chart.tsx';
import { type ChartSeries, PALETTE } from '../../../components/line-chart-draw.ts';
import { enumLabel } from '../../../components/tasks.ts';
import type { ExportKind, RunQuery as RunData } from '../../../gql/graphql.ts';
import { planRunCharts } from '../../../lib/run-charts.ts';
import { higherIsBetter, type RunEventLike, RunSeries } from '../../../lib/run-series.ts';

type Run = RunData['run'];

const HISTORY_PAGE = 10_000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const EXPORTS: { kind: ExportKind; label: string }[] = [
  { kind: 'ADAPTER', label: 'Adapter' },
  { kind: 'MERGED', label: 'Merged model' },
  { kind: 'ONNX', label: 'ONNX' },
];

const SECTION_TITLES = { training: 'Training', validation: 'Validation metrics', other: 'Other values' } as const;

function toEvent(e: Run['events']['nodes'][number]): RunEventLike {
  return { ...e, values: e.values as Record<string, number> };
}

/** The run, its series fed from history then the live stream, and a version that bumps as events arrive. */
function useLiveRun(id: string) {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);
  const [connection, setConnection] = useState<'live' | 'reconnecting' | 'ended'>('live');
  const series = useRef(new RunSeries());
  // A burst of events (a replay after a reconnect) re-renders the charts once per frame, not once per event.
  const frame = useRef(0);
  const bump = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setVersion(series.current.version);
    });
  }, []);

  /** Details, plus any events after the last seq we hold (all of history on the first call, page by page). */
  const refresh = useCallback(async () => {
    for (;;) {
      const { run: r } = await request(RunQuery, { id, afterSeq: series.current.lastSeq, limit: HISTORY_PAGE });
      const added = series.current.addAll(r.events.nodes.map(toEvent));
      setRun(r);
      if (added) setVersion(series.current.version);
      if (r.events.nodes.length < HISTORY_PAGE) return r;
    }
  }, [id]);

  useEffect(() => {
    series.current = new RunSeries();
    setRun(undefined);
    let stopEvents: (() => void) | undefined;
    let stopChanges: (() => void) | undefined;
    let cancelled = false;
    refresh().then(
      () => {
        if (cancelled) return;
        // Live from the last seq held; after a dropped connection, `subscribe` asks again from the new last seq.
        stopEvents = subscribe(RunEventsSubscription, () => ({ runId: id, afterSeq: series.current.lastSeq }), {
          next: (d) => {
            if (series.current.add(toEvent(d.runEvents))) bump();
          },
          complete: () => {
            setConnection('ended');
            refresh().catch(setError);
          },
          error: setError,
          disconnected: () => setConnection((c) => (c === 'ended' ? c : 'reconnecting')),
          connected: () => setConnection((c) => (c === 'ended' ? c : 'live')),
        });
        let dropped = false;
        stopChanges = subscribe(RunChangedSubscription, () => ({ runId: id }), {
          next: (d) => {
            setRun((prev) => (prev ? { ...prev, ...d.runChanged } : prev));
            if (TERMINAL.has(d.runChanged.status)) refresh().catch(setError);
          },
          disconnected: () => {
            dropped = true;
          },
          // Status changes are not replayed: after a drop, read the run again.
          connected: () => {
            if (dropped) refresh().catch(setError);
            dropped = false;
          },
        });
      },
      (err: unknown) => !cancelled && setError(err),
    );
    return () => {
      cancelled = true;
      stopEvents?.();
      stopChanges?.();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [id, refresh, bump]);

  return { run, error, version, series: series.current, refresh, connection };
}

function RunView({ id }: { id: string }) {
  const router = useRouter();
  const { run, error, version, series, refresh, connection } = useLiveRun(id);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();

  const [smoothing, setSmoothing] = useState(0);
  const charts = useMemo(() => {
    void version;
    const names = series.names();
    // Colours by series, so a metric keeps its colour wherever it is drawn.
    const color = (name: string) => PALETTE[Math.max(0, names.indexOf(name)) % PALETTE.length] as string;
    return planRunCharts(names, (n) => series.series(n)).map((plan) => ({
      ...plan,
      series: plan.series.map((p): ChartSeries => ({ ...series.series(p.name), name: p.label, color: color(p.name), dots: p.dots })),
    }));
  }, [series, version]);

  const log = useMemo(() => {
    void version;
    return series.log();
  }, [series, version]);
  const warnings = useMemo(() => {
    void version;
    return series.warnings();
  }, [series, version]);
  const logRef = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when lines are added
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log.length]);

  if (error && !run) return <ErrorBox error={error} />;
  if (!run) return <Loading what="the run" />;

  const hp = run.hyperparameters as Record<string, unknown>;
  const early = hp.early_stopping as { patience?: number; min_delta?: number } | undefined;
  const metric = (typeof hp.metric === 'string' && hp.metric) || run.best?.metric || 'loss';
  const stopping = series.earlyStopping(early?.patience, metric, higherIsBetter(metric), early?.min_delta ?? 0);

  const act = async (name: string, fn: () => Promise<unknown>) => {
    setBusy(name);
    setActionError(undefined);
    try {
      await fn();
      await refresh();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(undefined);
    }
  };

  const download = (e: MouseEvent<HTMLAnchorElement>, url: string, name: string) => {
    // A plain link carries no Authorization header: fetch the file with the token instead.
    if (!savedToken()) return;
    e.preventDefault();
    downloadArtifact(url, name).catch(setActionError);
  };

  // Stored on the run when training starts; the started event has them too (a page that has not heard runChanged yet).
  const counts = series.parameterCounts();
  const test = run.testResults as Record<string, unknown> | null | undefined;
  return (
    <>
      <div className="spread">
        <div>
          <h1>
            {run.name} <StatusBadge status={run.status} />
          </h1>
          {run.sweep && (
            <p className="small muted" data-testid="run-sweep">
              Trial {run.sweepTrial} of the sweep <Link href={`/sweeps/view?id=${run.sweep.id}`}>{run.sweep.name}</Link>
              {run.promoted ? ': its best trial, promoted' : ''}
            </p>
          )}
        </div>
        <div className="row">
          {(run.status === 'QUEUED' || run.status === 'RUNNING') && (
            <button
              type="button"
              className="danger"
              disabled={!!busy}
              onClick={() => void act('cancel', () => request(CancelRunMutation, { id }))}
            >
              Cancel
            </button>
          )}
          {(run.status === 'CANCELLED' || run.status === 'FAILED') && (
            <button type="button" disabled={!!busy} onClick={() => void act('resume', () => request(ResumeRunMutation, { id }))}>
              Resume
            </button>
          )}
          {TERMINAL.has(run.status) && (
            <button
              type="button"
              className="danger"
              disabled={!!busy}
              onClick={() => {
                if (!window.confirm(`Delete run ${run.name} with its checkpoints and exports?`)) return;
                void request(DeleteRunMutation, { id }).then(() => router.push('/'), setActionError);
              }}
            >
              Delete
            </button>
          )}
        </div>
      </div>
      <ErrorBox error={actionError} />
      <ErrorBox error={error} />
      {run.error && (
        <div className="error-box">
          <span className="code">{run.error.code}</span>
          {run.error.message}
        </div>
      )}
      {warnings.length > 0 && (
        <section className="card" data-testid="run-warnings">
          <h2>Warnings</h2>
          {warnings.map((w) => (
            <div className="warning small" key={w.seq}>
              <span className="code">{w.code}</span> at step {w.step}: {w.message}
            </div>
          ))}
        </section>
      )}

      <section className="card">
        <RunProgressBar progress={run.progress} status={run.status} />
        <div className="stats" style={{ marginTop: 12 }}>
          <Stat label="strategy">{run.strategy}</Stat>
          <Stat label="model">
            <Link href={`/models/view?id=${run.model.id}`}>{run.model.name}</Link>
          </Stat>
          <Stat label="dataset">
            <Link href={`/datasets/view?id=${run.dataset.id}`}>{run.dataset.name}</Link>
          </Stat>
          <Stat label="task">{enumLabel(run.task)}</Stat>
          <Stat label="trainable / total parameters">
            <span data-testid="parameter-counts">
              {formatCount(run.trainableParameters ?? counts.trainable)} / {formatCount(run.totalParameters ?? counts.total)}
            </span>
          </Stat>
          <Stat label="epoch">{run.progress ? run.progress.epoch.toFixed(2) : '—'}</Stat>
          {run.meanStepSeconds != null && <Stat label="mean step time">{formatDuration(run.meanStepSeconds)}</Stat>}
          {run.peakMemoryBytes != null && <Stat label="peak memory">{formatBytes(run.peakMemoryBytes)}</Stat>}
          <Stat label="device">{enumLabel(run.device)}</Stat>
        </div>
        <p className="small muted">
          created {formatTime(run.createdAt)} · started {formatTime(run.startedAt)} · finished {formatTime(run.finishedAt)}
          {run.attempt > 1 && ` · attempt ${run.attempt}`} · events: {series.lastSeq}
          {connection === 'reconnecting' && ' · reconnecting…'}
        </p>
      </section>

      <div className="spread chart-toolbar">
        <span className="small muted">Drag across a chart to zoom into its steps, double-click to reset.</span>
        <SmoothingControl value={smoothing} onChange={setSmoothing} />
      </div>
      {(['training', 'validation', 'other'] as const).map((section) => {
        const inSection = charts.filter((c) => c.section === section);
        if (!inSection.length) return null;
        return (
          <section className="grid two" key={section} data-chart-section={section} aria-label={SECTION_TITLES[section]}>
            {inSection.map((c) => (
              <section className="card" key={c.title}>
                <LineChart title={c.title} series={c.series} version={version} smoothing={smoothing} />
              </section>
            ))}
          </section>
        );
      })}

      <div className="grid three">
        <section className="card" data-testid="early-stopping">
          <h2>Best and early stopping</h2>
          {run.best ? (
            <p>
              Best {run.best.metric}: <strong>{formatValue(run.best.value)}</strong> at step {run.best.step}
            </p>
          ) : (
            <p className="muted">No evaluation yet.</p>
          )}
          <p className="small">
            {early?.patience
              ? `Patience: ${stopping.patienceLeft} of ${early.patience} evaluations left (${stopping.evaluationsSinceBest} since the best).`
              : `No early stopping; ${stopping.evaluationsSinceBest} evaluation${stopping.evaluationsSinceBest === 1 ? '' : 's'} since the best ${metric}.`}
          </p>
        </section>
        <section className="card">
          <h2>Test split</h2>
          {test && Object.keys(test).length ? (
            <table data-testid="test-results">
              <tbody>
                {Object.entries(test).map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td className="num">{formatValue(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">Measured with the best weights when the run ends.</p>
          )}
        </section>
        <section className="card">
          <h2>Checkpoints</h2>
          {run.checkpoints.nodes.length ? (
            <table>
              <thead>
                <tr>
                  <th className="num">Step</th>
                  <th>Saved</th>
                  <th>On disk</th>
                </tr>
              </thead>
              <tbody>
                {run.checkpoints.nodes.map((c) => (
                  <tr key={`${c.step}-${c.time}`}>
                    <td className="num">{c.step}</td>
                    <td className="small">{formatTime(c.time)}</td>
                    <td>{c.available ? 'yes' : 'pruned'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">None yet.</p>
          )}
        </section>
      </div>

      <section className="card" data-testid="exports">
        <h2>Export</h2>
        <div className="row">
          {EXPORTS.map((x) => (
            <button
              type="button"
              key={x.kind}
              className="secondary"
              disabled={run.status !== 'SUCCEEDED' || !!busy}
              onClick={() => void act(`export-${x.kind}`, () => request(ExportRunMutation, { runId: id, kind: x.kind }))}
            >
              {busy === `export-${x.kind}` ? 'Exporting…' : `Export ${x.label.toLowerCase()}`}
            </button>
          ))}
          {run.status !== 'SUCCEEDED' && <span className="small muted">available once the run has succeeded</span>}
        </div>
        {run.artifacts.length > 0 && (
          <table style={{ marginTop: 10 }}>
            <thead>
              <tr>
                <th>Kind</th>
                <th className="num">Size</th>
                <th>SHA-256</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {run.artifacts.map((a) => {
                const name = `${run.name.replace(/[^\w.-]+/g, '-')}-${a.kind.toLowerCase()}.tar.gz`;
                return (
                  <tr key={a.id}>
                    <td>{a.kind}</td>
                    <td className="num">{formatBytes(a.bytes)}</td>
                    <td className="mono small">{a.sha256.slice(0, 16)}…</td>
                    <td className="small">{formatTime(a.createdAt)}</td>
                    <td>
                      <a href={a.url} download={name} data-artifact={a.kind} onClick={(e) => download(e, a.url, name)}>
                        Download
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      <div className="grid two">
        <section className="card">
          <h2>Events</h2>
          <div className="log" ref={logRef} data-testid="event-log">
            {log.map((l) => (
              <div key={l.seq} data-seq={l.seq}>
                <span className="muted">#{l.seq}</span> {l.text}
              </div>
            ))}
          </div>
        </section>
        <section className="card">
          <h2>Settings</h2>
          <h3>Strategy config</h3>
          <pre>{JSON.stringify(run.strategyConfig, null, 2)}</pre>
          <h3>Trainer</h3>
          <pre>{JSON.stringify({ ...hp, seed: run.seed, max_length: run.maxLength }, null, 2)}</pre>
        </section>
      </div>
    </>
  );
}

function Page() {
  const id = useSearchParams().get('id');
  return id ? <RunView key={id} id={id} /> : <ErrorBox error="No run id in the address (runs/view?id=...)." />;
}

export default function RunPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}
