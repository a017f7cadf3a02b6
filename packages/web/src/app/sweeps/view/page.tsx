'use client';
// One sweep: its status live (sweepChanged), the search it runs, a parallel-coordinates plot of the trials'
// parameters against the objective, the trials with their runs, and their validation and loss curves overlaid.
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useMemo, useState } from 'react';
import { request, subscribe } from '../../../api/client.ts';
import { CancelSweepMutation, RunCurvesQuery, SweepChangedSubscription, SweepQuery } from '../../../api/operations.ts';
import { useQuery } from '../../../api/use-query.ts';
import { ErrorBox, Loading, RunProgressBar, Stat } from '../../../components/bits.tsx';
import { formatTime, formatValue } from '../../../components/format.ts';
import { LineChart } from '../../../components/line-chart.tsx';
import { type ChartSeries, PALETTE } from '../../../components/line-chart-draw.ts';
import { ParallelCoordinates, type PlotTrial } from '../../../components/parallel-coordinates.tsx';
import type { RunStatus } from '../../../gql/graphql.ts';
import { type RunEventLike, RunSeries } from '../../../lib/run-series.ts';

const paramText = (v: unknown) => (typeof v === 'number' ? formatValue(v) : JSON.stringify(v));

function SweepView() {
  const id = useSearchParams().get('id') ?? '';
  const q = useQuery(SweepQuery, id ? { id } : null);
  const { refetch } = q;
  const [curves, setCurves] = useState<Record<string, { seq: number; series: RunSeries }>>({});
  const [error, setError] = useState<unknown>();

  // Live: each change of the sweep or a trial reloads the page's data (a short pause merges bursts).
  useEffect(() => {
    if (!id) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribe(SweepChangedSubscription, () => ({ sweepId: id }), {
      next: () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void refetch(), 400);
      },
      connected: () => void refetch(),
    });
    return () => {
      if (timer) clearTimeout(timer);
      stop();
    };
  }, [id, refetch]);

  const sweep = q.data?.sweep;
  const trials = useMemo(() => sweep?.trials.nodes ?? [], [sweep]);

  // Each trial's curves, read again when its run has new events.
  useEffect(() => {
    let current = true;
    const stale = trials.filter((t) => t.run.lastSeq > 0 && curves[t.run.id]?.seq !== t.run.lastSeq);
    if (!stale.length) return;
    Promise.all(
      stale.map(async (t) => {
        const { run } = await request(RunCurvesQuery, { id: t.run.id, limit: 10_000 });
        const series = new RunSeries();
        series.addAll(
          run.events.nodes.map((e, i) => ({ ...e, seq: i + 1, values: e.values as Record<string, number> }) satisfies RunEventLike),
        );
        return [t.run.id, { seq: t.run.lastSeq, series }] as const;
      }),
    ).then(
      (pairs) => current && setCurves((prev) => ({ ...prev, ...Object.fromEntries(pairs) })),
      (err: unknown) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [trials, curves]);

  const plot = useMemo(() => {
    if (!sweep) return undefined;
    const axes = [
      ...sweep.parameters.map((p) => ({ name: p.name.replace(/^strategyConfig\./, ''), values: p.values, log: p.log })),
      { name: sweep.metric },
    ];
    const rows: PlotTrial[] = trials.map((t) => ({
      id: t.run.id,
      label: `#${t.number} ${t.state.toLowerCase()}: ${sweep.parameters.map((p) => `${p.name.replace(/^strategyConfig\./, '')} ${paramText(t.params[p.name])}`).join(', ')} → ${sweep.metric} ${formatValue(t.objective ?? t.bestSoFar)}`,
      values: [...sweep.parameters.map((p) => t.params[p.name]), t.objective ?? t.bestSoFar],
      final: t.objective != null,
      promoted: t.promoted,
    }));
    return { axes, rows };
  }, [sweep, trials]);

  const charts = useMemo(() => {
    if (!sweep) return [];
    const colorOf = (i: number) => PALETTE[i % PALETTE.length] as string;
    return [`eval_${sweep.metric}`, 'loss'].map((name) => ({
      title: name === 'loss' ? 'Training loss' : `Validation ${sweep.metric}`,
      series: trials.flatMap((t): ChartSeries[] => {
        const loaded = curves[t.run.id];
        if (!loaded) return [];
        const s = loaded.series.series(name);
        return [
          { ...s, name: `#${t.number}${t.state === 'PRUNED' ? ' (pruned)' : ''}`, color: colorOf(t.number - 1), dots: name !== 'loss' },
        ];
      }),
    }));
  }, [sweep, trials, curves]);
  const version = Object.values(curves).reduce((a, c) => a + c.seq, 0);

  const cancel = async () => {
    try {
      await request(CancelSweepMutation, { input: { id } });
      await refetch();
    } catch (err) {
      setError(err);
    }
  };

  if (!id)
    return (
      <p>
        No sweep chosen: pick one from the <Link href="/sweeps">sweeps</Link>.
      </p>
    );
  if (!sweep) return q.error ? <ErrorBox error={q.error} /> : <Loading what="the sweep" />;
  const finished = trials.filter((t) => t.state !== 'QUEUED' && t.state !== 'RUNNING').length;
  return (
    <>
      <div className="spread">
        <h1>
          {sweep.name}{' '}
          <span className={`badge ${sweep.status}`} data-testid="sweep-status">
            {sweep.status}
          </span>
        </h1>
        {sweep.status === 'RUNNING' && (
          <button type="button" className="secondary" onClick={() => void cancel()}>
            Cancel sweep
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {sweep.error && <ErrorBox error={new Error(`${sweep.error.code}: ${sweep.error.message}`)} />}
      <section className="card">
        <div className="row">
          <Stat label="search">{sweep.algorithm}</Stat>
          <Stat label="trials done">
            {finished} / {sweep.maxTrials}
          </Stat>
          <Stat label="at once">{sweep.parallelism}</Stat>
          <Stat label={`objective (${sweep.greaterIsBetter ? 'higher' : 'lower'} is better)`}>{sweep.metric}</Stat>
          <Stat label="early termination">
            {sweep.earlyStopping
              ? `median rule after ${sweep.earlyStopping.warmupEvaluations} eval., ${sweep.earlyStopping.minTrials} trials`
              : 'off'}
          </Stat>
          <Stat label="best trial">
            {sweep.bestRun ? <Link href={`/runs/view?id=${sweep.bestRun.id}`}>{sweep.bestRun.name}</Link> : '—'}
          </Stat>
        </div>
        <p className="small muted">
          {sweep.model.name} / {sweep.dataset.name}; seed {sweep.seed}; created {formatTime(sweep.createdAt)}
          {sweep.finishedAt ? `, ended ${formatTime(sweep.finishedAt)}` : ''}. Parameters:{' '}
          {sweep.parameters
            .map((p) =>
              p.values
                ? `${p.name} in {${p.values.map(paramText).join(', ')}}`
                : `${p.name} in [${formatValue(p.min)}, ${formatValue(p.max)}]${p.log ? ' (log)' : ''}${p.integer ? ' (whole)' : ''}`,
            )
            .join('; ')}
        </p>
      </section>
      <section className="card">
        <h2>Parameters against {sweep.metric}</h2>
        {plot && trials.length ? (
          <ParallelCoordinates axes={plot.axes} trials={plot.rows} greaterIsBetter={sweep.greaterIsBetter} />
        ) : (
          <p className="muted">No trials yet.</p>
        )}
      </section>
      <section className="card" style={{ overflowX: 'auto' }}>
        <h2>Trials</h2>
        <table data-testid="trials-table">
          <thead>
            <tr>
              <th>#</th>
              {sweep.parameters.map((p) => (
                <th key={p.name}>{p.name.replace(/^strategyConfig\./, '')}</th>
              ))}
              <th>State</th>
              <th style={{ width: 180 }}>Progress</th>
              <th className="num">{sweep.metric}</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {trials.map((t) => (
              <tr key={t.number} data-trial={t.number} className={t.promoted ? 'promoted' : undefined}>
                <td>
                  {t.number}
                  {t.promoted ? ' ★' : ''}
                </td>
                {sweep.parameters.map((p) => (
                  <td key={p.name} className="num">
                    {paramText(t.params[p.name])}
                  </td>
                ))}
                <td>
                  <span className={`badge ${t.state}`} title={t.run.error?.message}>
                    {t.state}
                  </span>
                </td>
                <td>
                  <RunProgressBar progress={t.run.progress} status={t.run.status as RunStatus} />
                </td>
                <td className="num">
                  {t.objective != null ? (
                    formatValue(t.objective)
                  ) : t.bestSoFar != null ? (
                    <span className="muted">{formatValue(t.bestSoFar)}</span>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  <Link href={`/runs/view?id=${t.run.id}`}>{t.run.name}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <div className="grid two">
        {charts.map((c) => (
          <section className="card" key={c.title}>
            <LineChart title={c.title} series={c.series} version={version} />
          </section>
        ))}
      </div>
    </>
  );
}

export default function SweepPage() {
  return (
    <Suspense fallback={<Loading />}>
      <SweepView />
    </Suspense>
  );
}
