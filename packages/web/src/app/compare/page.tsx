'use client';
// Compare runs: pick two or more, see their loss and metric curves overlaid and a table of what set them apart
// (strategy, trainable parameters, step time, peak memory) and how they ended.
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useMemo, useState } from 'react';
import { request } from '../../api/client.ts';
import { CompareRunsQuery, RunCurvesQuery } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading, StatusBadge } from '../../components/bits.tsx';
import { formatBytes, formatCount, formatDuration, formatValue } from '../../components/format.ts';
import { LineChart, SmoothingControl } from '../../components/line-chart.tsx';
import { type ChartSeries, PALETTE } from '../../components/line-chart-draw.ts';
import { mergeIdentical, RETENTION_CHARTS, validationTitle } from '../../lib/run-charts.ts';
import { type RunEventLike, RunSeries } from '../../lib/run-series.ts';

/** Finished runs preselected when the page is opened without ids. */
const PRESELECT = 3;

function Compare() {
  const router = useRouter();
  const params = useSearchParams();
  const selected = useMemo(() => (params.get('ids') ?? '').split(',').filter(Boolean), [params]);
  const list = useQuery(CompareRunsQuery, { first: 100 });
  const [curves, setCurves] = useState<Record<string, RunSeries>>({});
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let current = true;
    const missing = selected.filter((id) => !curves[id]);
    if (!missing.length) return;
    Promise.all(
      missing.map(async (id) => {
        const { run } = await request(RunCurvesQuery, { id, limit: 10_000 });
        const s = new RunSeries();
        // Only step and eval events are fetched, so seqs have holes: feed them as a dense sequence.
        s.addAll(run.events.nodes.map((e, i) => ({ ...e, seq: i + 1, values: e.values as Record<string, number> }) satisfies RunEventLike));
        return [id, s] as const;
      }),
    ).then(
      (pairs) => current && setCurves((prev) => ({ ...prev, ...Object.fromEntries(pairs) })),
      (err: unknown) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [selected, curves]);

  const toggle = (id: string) => {
    const next = selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id];
    router.replace(`/compare?ids=${next.join(',')}`);
  };

  const runs = useMemo(() => list.data?.runs.edges.map((e) => e.node) ?? [], [list.data]);
  const [smoothing, setSmoothing] = useState(0);

  // Opened without ids (from the menu, after the demo): start from the most recent finished runs.
  const noIds = params.get('ids') === null;
  useEffect(() => {
    if (!noIds || !list.data) return;
    const recent = runs.filter((r) => r.status === 'SUCCEEDED').slice(0, PRESELECT);
    if (recent.length) router.replace(`/compare?ids=${recent.map((r) => r.id).join(',')}`);
  }, [noIds, list.data, runs, router]);
  const chosen = selected.map((id) => runs.find((r) => r.id === id)).filter((r) => r !== undefined);
  const colorOf = (id: string) => PALETTE[selected.indexOf(id) % PALETTE.length] as string;

  const charts = useMemo(() => {
    const names: string[] = [];
    for (const id of selected)
      for (const n of curves[id]?.names() ?? []) if ((n === 'loss' || n.startsWith('eval_')) && !names.includes(n)) names.push(n);
    const loaded = selected.filter((id) => curves[id]);
    // Metrics equal at every point in every run (accuracy and micro-F1...) are drawn once.
    const groups = mergeIdentical(names, (n) => loaded.map((id) => (curves[id] as RunSeries).series(n)));
    // The retention check's charts after the task's metrics, as on the run page.
    groups.sort((a, b) => Number((a[0] as string) in RETENTION_CHARTS) - Number((b[0] as string) in RETENTION_CHARTS));
    return groups.map((group) => {
      const n = group[0] as string;
      const label = group.map((g) => g.replace(/^eval_/, '')).join(' = ');
      return {
        title: n === 'loss' ? 'Training loss' : validationTitle(n, label),
        series: loaded.map((id, i): ChartSeries => {
          const run = runs.find((r) => r.id === id);
          return {
            ...(curves[id] as RunSeries).series(n),
            name: run?.name ?? id,
            color: PALETTE[selected.indexOf(id) % PALETTE.length] ?? PALETTE[i] ?? '#000',
            dots: n !== 'loss',
          };
        }),
      };
    });
  }, [selected, curves, runs]);
  const version = Object.keys(curves).length + selected.length * 1000;

  const withRetention = chosen.some((r) => (curves[r.id]?.series('eval_retention').y.length ?? 0) > 0);
  const testKeys = [...new Set(chosen.flatMap((r) => Object.keys((r.testResults as Record<string, unknown> | null) ?? {})))].sort();
  return (
    <>
      <h1>Compare runs</h1>
      <section className="card">
        <h2>Runs</h2>
        <ErrorBox error={list.error ?? error} />
        {!list.data && <Loading />}
        <div className="row">
          {runs.map((r) => (
            <label className="check" key={r.id} style={{ minWidth: 260 }}>
              <input type="checkbox" checked={selected.includes(r.id)} onChange={() => toggle(r.id)} data-run-id={r.id} />
              {r.name} <StatusBadge status={r.status} />
            </label>
          ))}
        </div>
        {list.data && !runs.length && (
          <p data-testid="compare-prompt">
            No runs yet: <Link href="/runs/new">start one</Link>, then compare it with others here.
          </p>
        )}
        {list.data && runs.length > 0 && selected.length < 2 && (
          <p data-testid="compare-prompt">
            {selected.length === 0
              ? 'Tick two or more runs above to compare their curves, cost and results.'
              : 'Tick one more run to compare.'}
          </p>
        )}
      </section>
      {chosen.length > 0 && (
        <>
          <section className="card" style={{ overflowX: 'auto' }}>
            <h2>Setup and cost</h2>
            <table data-testid="compare-table">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Strategy</th>
                  <th>Model / dataset</th>
                  <th className="num">Trainable params</th>
                  <th className="num">Step time</th>
                  <th className="num">Peak memory</th>
                  <th className="num">Final loss</th>
                  <th>Best</th>
                  {withRetention && (
                    <th
                      className="num"
                      title="The retention check at the best step: 1 = the base model's language-modelling loss on held-back texts"
                    >
                      Retention
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {chosen.map((r) => {
                  const loss = curves[r.id]?.series('loss').y;
                  return (
                    <tr key={r.id}>
                      <td>
                        <i style={{ display: 'inline-block', width: 10, height: 10, background: colorOf(r.id), marginRight: 6 }} />
                        <Link href={`/runs/view?id=${r.id}`}>{r.name}</Link>
                      </td>
                      <td>{r.strategy}</td>
                      <td className="small">
                        {r.model.name} / {r.dataset.name}
                      </td>
                      <td className="num">
                        {formatCount(r.trainableParameters)}
                        {r.totalParameters ? (
                          <span className="muted small"> ({(((r.trainableParameters ?? 0) / r.totalParameters) * 100).toFixed(1)}%)</span>
                        ) : null}
                      </td>
                      <td className="num">{formatDuration(r.meanStepSeconds)}</td>
                      <td className="num">{formatBytes(r.peakMemoryBytes)}</td>
                      <td className="num">{loss?.length ? formatValue(loss[loss.length - 1]) : '—'}</td>
                      <td className="small">{r.best ? `${r.best.metric} ${formatValue(r.best.value)} @ step ${r.best.step}` : '—'}</td>
                      {withRetention && (
                        <td className="num" data-testid="compare-retention">
                          {formatValue(retentionAtBest(curves[r.id], r.best?.step))}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
          {testKeys.length > 0 && (
            <section className="card" style={{ overflowX: 'auto' }}>
              <h2>Final metrics (test split, best weights)</h2>
              <table data-testid="compare-metrics">
                <thead>
                  <tr>
                    <th>Metric</th>
                    {chosen.map((r) => (
                      <th className="num" key={r.id}>
                        {r.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {testKeys.map((k) => (
                    <tr key={k}>
                      <td>{k.replace(/^test_/, '')}</td>
                      {chosen.map((r) => (
                        <td className="num" key={r.id}>
                          {formatValue((r.testResults as Record<string, unknown> | null)?.[k])}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          <div className="spread chart-toolbar">
            <span className="small muted">Drag across a chart to zoom into its steps, double-click to reset.</span>
            <SmoothingControl value={smoothing} onChange={setSmoothing} />
          </div>
          <div className="grid two">
            {charts.map((c) => (
              <section className="card" key={c.title}>
                <LineChart title={c.title} series={c.series} version={version} smoothing={smoothing} />
              </section>
            ))}
          </div>
        </>
      )}
    </>
  );
}

export default function ComparePage() {
  return (
    <Suspense fallback={<Loading />}>
      <Compare />
    </Suspense>
  );
}

/** The retention check's figure for the weights a run kept (its best step), else its last. */
function retentionAtBest(curves: RunSeries | undefined, bestStep: number | undefined): number | undefined {
  const s = curves?.series('eval_retention');
  if (!s?.y.length) return undefined;
  const at = bestStep === undefined ? -1 : s.x.indexOf(bestStep);
  return at >= 0 ? s.y[at] : s.y[s.y.length - 1];
}
