'use client';
// One dataset: its statistics and splits, label distribution, a token-length histogram for a chosen model, and a preview.
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { DatasetQuery, TokenLengthsQuery } from '../../../api/operations.ts';
import { useQuery } from '../../../api/use-query.ts';
import { ErrorBox, Loading, Stat } from '../../../components/bits.tsx';
import { Histogram, LabelBars } from '../../../components/charts-simple.tsx';
import { formatBytes, formatTime } from '../../../components/format.ts';
import { enumLabel } from '../../../components/tasks.ts';

const PAGE = 20;

function DatasetView({ id }: { id: string }) {
  const [offset, setOffset] = useState(0);
  const q = useQuery(DatasetQuery, { id, offset, limit: PAGE });
  const [modelId, setModelId] = useState('');
  const models = q.data?.models.nodes;
  useEffect(() => {
    if (!modelId && models?.[0]) setModelId(models[0].id);
  }, [models, modelId]);
  const lengths = useQuery(TokenLengthsQuery, modelId ? { id, modelId, bins: 24 } : null);

  if (q.error && !q.data) return <ErrorBox error={q.error} />;
  const d = q.data?.dataset;
  if (!d) return <Loading what="the dataset" />;
  const columns = Object.keys(d.preview[0]?.data ?? {});
  const h = lengths.data?.dataset.tokenLengths;
  return (
    <>
      <h1>{d.name}</h1>
      <section className="card">
        <div className="stats">
          <Stat label="task">{enumLabel(d.task)}</Stat>
          <Stat label="rows">{d.rowCount}</Stat>
          <Stat label="train / validation / test">
            {d.statistics.splits.train} / {d.statistics.splits.validation} / {d.statistics.splits.test}
          </Stat>
          <Stat label="file">
            {d.filename} ({enumLabel(d.format)}, {formatBytes(d.bytes)})
          </Stat>
          <Stat label="characters per example (min / median / p95 / max)">
            {d.statistics.textLength.min} / {d.statistics.textLength.p50} / {d.statistics.textLength.p95} / {d.statistics.textLength.max}
          </Stat>
        </div>
        <p className="small muted">
          Columns: <code>{JSON.stringify(d.columns)}</code> · created {formatTime(d.createdAt)}
        </p>
      </section>
      <div className="grid two">
        <section className="card">
          <h2>Label distribution</h2>
          {d.statistics.labels?.length ? <LabelBars items={d.statistics.labels} /> : <p className="muted">Not a classification dataset.</p>}
        </section>
        <section className="card">
          <div className="spread">
            <h2>Token lengths</h2>
            <label className="row small">
              with the tokenizer of
              <select aria-label="model for token lengths" value={modelId} onChange={(e) => setModelId(e.target.value)}>
                {models?.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <ErrorBox error={lengths.error} />
          {h ? (
            <>
              <Histogram counts={h.counts} binWidth={h.binWidth} />
              <p className="small muted">
                median {Math.round(h.p50)} tokens · p95 {Math.round(h.p95)} · longest {h.max}
              </p>
            </>
          ) : (
            !lengths.error && <Loading />
          )}
        </section>
      </div>
      <section className="card">
        <div className="spread">
          <h2>Preview</h2>
          <div className="row small">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <span>
              rows {offset + 1}–{Math.min(offset + PAGE, d.rowCount)} of {d.rowCount}
            </span>
            <button type="button" className="secondary" disabled={offset + PAGE >= d.rowCount} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </div>
        </div>
        <table data-testid="dataset-preview">
          <thead>
            <tr>
              <th className="num">Row</th>
              {columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {d.preview.map((r) => (
              <tr key={r.row}>
                <td className="num">{r.row}</td>
                {columns.map((c) => (
                  <td key={c} className="small">
                    {typeof r.data[c] === 'string' ? (r.data[c] as string) : JSON.stringify(r.data[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function Page() {
  const id = useSearchParams().get('id');
  return id ? <DatasetView id={id} /> : <ErrorBox error="No dataset id in the address (datasets/view?id=...)." />;
}

export default function DatasetPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}
