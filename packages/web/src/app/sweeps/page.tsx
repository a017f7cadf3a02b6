'use client';
// Sweeps: every hyperparameter sweep, newest first, with its trials' progress and best objective.
import Link from 'next/link';
import { useState } from 'react';
import { SweepsQuery } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading } from '../../components/bits.tsx';
import { formatTime, formatValue } from '../../components/format.ts';

const PAGE = 20;

export default function SweepsPage() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const q = useQuery(SweepsQuery, { first: PAGE, after: cursors[cursors.length - 1] ?? null });
  const sweeps = q.data?.sweeps;
  return (
    <>
      <div className="spread">
        <h1>Sweeps</h1>
        <div className="row">
          <Link href="/sweeps/new" className="button" data-testid="new-sweep">
            New sweep
          </Link>
          <button type="button" className="secondary" onClick={() => void q.refetch()}>
            Refresh
          </button>
        </div>
      </div>
      <section className="card">
        <ErrorBox error={q.error} />
        {q.loading && !sweeps ? (
          <Loading what="sweeps" />
        ) : sweeps?.nodes.length ? (
          <table data-testid="sweeps-table">
            <thead>
              <tr>
                <th>Sweep</th>
                <th>Status</th>
                <th>Search</th>
                <th>Trials</th>
                <th>Objective</th>
                <th>Best</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {sweeps.nodes.map((s) => {
                const done = s.trials.nodes.filter((t) => t.state !== 'QUEUED' && t.state !== 'RUNNING').length;
                const pruned = s.trials.nodes.filter((t) => t.state === 'PRUNED').length;
                const values = s.trials.nodes.map((t) => t.objective).filter((v): v is number => v != null);
                const best = values.length ? (s.greaterIsBetter ? Math.max(...values) : Math.min(...values)) : null;
                return (
                  <tr key={s.id} data-sweep-id={s.id}>
                    <td>
                      <Link href={`/sweeps/view?id=${s.id}`}>{s.name}</Link>
                      <div className="small muted">
                        {s.model.name} / {s.dataset.name}
                      </div>
                    </td>
                    <td>
                      <span className={`badge ${s.status}`}>{s.status}</span>
                    </td>
                    <td className="small">
                      {s.algorithm} over {s.parameters.map((p) => p.name).join(', ')}
                    </td>
                    <td className="small">
                      {done} / {s.maxTrials} done{pruned ? `, ${pruned} pruned` : ''}
                    </td>
                    <td className="small">
                      {s.metric} ({s.greaterIsBetter ? 'higher' : 'lower'} is better)
                    </td>
                    <td className="small">{best == null ? '—' : formatValue(best)}</td>
                    <td className="small">{formatTime(s.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p className="muted">
            No sweeps yet. Start one with <Link href="/sweeps/new">New sweep</Link>, <code>tuneql sweep FILE</code>, or through the API:{' '}
            <code>createSweep(input: {'{ run: {...}, parameters: [...], algorithm: TPE }'})</code> (see the{' '}
            <Link href="/explorer">GraphQL explorer</Link>).
          </p>
        )}
        <div className="row" style={{ marginTop: 10 }}>
          <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <button
            type="button"
            className="secondary"
            disabled={!sweeps?.pageInfo.hasNextPage}
            onClick={() => sweeps?.pageInfo.endCursor && setCursors([...cursors, sweeps.pageInfo.endCursor])}
          >
            Next
          </button>
        </div>
      </section>
    </>
  );
}
