'use client';
// Runs: every fine-tuning run, newest first, with live status and progress (runChanged), filters and pages.
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { subscribe } from '../api/client.ts';
import { RunChangedSubscription, RunsQuery } from '../api/operations.ts';
import { useQuery } from '../api/use-query.ts';
import { ErrorBox, Loading, RunProgressBar, StatusBadge } from '../components/bits.tsx';
import { formatTime, formatValue } from '../components/format.ts';
import type { RunChangedSubscription as RunChanged, RunStatus } from '../gql/graphql.ts';

const STATUSES: RunStatus[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const PAGE = 20;

type Live = Record<string, RunChanged['runChanged']>;

export default function RunsPage() {
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [strategy, setStrategy] = useState('');
  // Cursors of the pages before this one, so Previous works with a forward-only connection.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const filter = { ...(status ? { status: [status] } : {}), ...(strategy ? { strategy } : {}) };
  const q = useQuery(RunsQuery, { filter, first: PAGE, after });
  const [live, setLive] = useState<Live>({});
  const { refetch } = q;

  // Ids on the page now, so a change to a run it does not list (a new run) reloads the page.
  const listed = useRef(new Set<string>());
  listed.current = new Set(q.data?.runs.edges.map((e) => e.node.id));

  useEffect(() => {
    let reload: ReturnType<typeof setTimeout> | undefined;
    const statuses = new Map<string, string>();
    const reloadSoon = () => {
      if (reload) clearTimeout(reload);
      reload = setTimeout(() => void refetch(), 300);
    };
    const stop = subscribe(RunChangedSubscription, () => ({}), {
      next: (d) => {
        const r = d.runChanged;
        setLive((prev) => ({ ...prev, [r.id]: r }));
        // A run the page does not list may now belong on it: a new run, or one whose status now matches the filter.
        if (!listed.current.has(r.id) && statuses.get(r.id) !== r.status) reloadSoon();
        statuses.set(r.id, r.status);
      },
      // Changes are not replayed after a dropped connection: read the page again.
      connected: reloadSoon,
    });
    return () => {
      if (reload) clearTimeout(reload);
      stop();
    };
  }, [refetch]);

  const runs = q.data?.runs;
  const reset = () => setCursors([null]);
  return (
    <>
      <div className="spread">
        <h1>Runs</h1>
        <div className="row">
          <Link className="button secondary" href="/sweeps">
            Sweeps
          </Link>
          <Link className="button" href="/runs/new">
            New run
          </Link>
        </div>
      </div>
      <section className="card">
        <div className="row" style={{ marginBottom: 12 }}>
          <label className="row small">
            Status
            <select
              aria-label="filter by status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as RunStatus | '');
                reset();
              }}
            >
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="row small">
            Strategy
            <select
              aria-label="filter by strategy"
              value={strategy}
              onChange={(e) => {
                setStrategy(e.target.value);
                reset();
              }}
            >
              <option value="">all</option>
              {q.data?.strategies.nodes.map((s) => (
                <option key={s.id}>{s.id}</option>
              ))}
            </select>
          </label>
          <span className="muted small">{runs ? `${runs.totalCount} run${runs.totalCount === 1 ? '' : 's'}` : ''}</span>
        </div>
        <ErrorBox error={q.error} />
        {q.loading && !runs ? (
          <Loading what="runs" />
        ) : runs?.edges.length ? (
          <table data-testid="runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th style={{ width: 200 }}>Progress</th>
                <th>Strategy</th>
                <th>Model</th>
                <th>Dataset</th>
                <th>Best</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.edges.map(({ node }) => {
                const r = { ...node, ...live[node.id] };
                return (
                  <tr key={r.id} data-run-id={r.id}>
                    <td>
                      <Link href={`/runs/view?id=${r.id}`}>{r.name}</Link>
                      {node.sweep && (
                        <div className="small muted">
                          trial {node.sweepTrial} of <Link href={`/sweeps/view?id=${node.sweep.id}`}>{node.sweep.name}</Link>
                          {node.promoted ? ' ★ best' : ''}
                        </div>
                      )}
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>
                      <RunProgressBar progress={r.progress} status={r.status} />
                    </td>
                    <td>{r.strategy}</td>
                    <td>{node.model.name}</td>
                    <td>{node.dataset.name}</td>
                    <td className="small">{r.best ? `${r.best.metric} ${formatValue(r.best.value)}` : '—'}</td>
                    <td className="small">{formatTime(r.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p className="muted">
            No runs{status || strategy ? ' match these filters' : ' yet'}. <Link href="/runs/new">Start one</Link>.
          </p>
        )}
        <div className="row" style={{ marginTop: 10 }}>
          <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <button
            type="button"
            className="secondary"
            disabled={!runs?.pageInfo.hasNextPage}
            onClick={() => runs?.pageInfo.endCursor && setCursors([...cursors, runs.pageInfo.endCursor])}
          >
            Next
          </button>
          <span className="small muted">page {cursors.length}</span>
        </div>
      </section>
    </>
  );
}
