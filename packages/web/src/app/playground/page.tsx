'use client';
// Playground: a succeeded run's fine-tuned model on your text, next to its base model with the same (untrained) head;
// for a causal LM, a chat whose answers stream in side by side (chat-view.tsx).
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { request } from '../../api/client.ts';
import { PlaygroundRunsQuery, PredictMutation } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading } from '../../components/bits.tsx';
import { enumLabel } from '../../components/tasks.ts';
import type { PredictMutation as PredictData, PredictionFieldsFragment } from '../../gql/graphql.ts';
import { ChatView } from './chat-view.tsx';

function Prediction({ title, p }: { title: string; p: PredictionFieldsFragment | null | undefined }) {
  if (!p) return null;
  return (
    <div className="card" data-testid={`prediction-${title.toLowerCase().replace(/\W+/g, '-')}`}>
      <h3>{title}</h3>
      {p.labels && (
        <div className="bars">
          {p.labels.map((l) => (
            <div className="bar-row" key={l.label} data-label={l.label}>
              <span>{l.label}</span>
              <div className="bar" style={{ width: `${l.score * 100}%` }} />
              <span className="num">{(l.score * 100).toFixed(1)}%</span>
            </div>
          ))}
        </div>
      )}
      {p.value != null && <p>Value: {p.value.toPrecision(4)}</p>}
      {p.words && (
        <p>
          {p.words.map((w, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: words repeat; their position is their identity
            <span key={i} title={`${w.tag} ${(w.score * 100).toFixed(0)}%`} style={{ marginRight: 6 }}>
              {w.word}
              <sub className="muted">{w.tag}</sub>
            </span>
          ))}
        </p>
      )}
      {p.answer && (
        <p>
          Answer: <strong>{p.answer.text}</strong>{' '}
          <span className="muted small">
            ({(p.answer.score * 100).toFixed(1)}%, chars {p.answer.start}–{p.answer.end})
          </span>
        </p>
      )}
      {p.fills?.map((candidates, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: one list per mask, in order
        <p key={i} className="small">
          mask {i + 1}: {candidates.map((c) => `${c.token} (${(c.score * 100).toFixed(1)}%)`).join(', ')}
        </p>
      ))}
      {p.continuation != null && <p>{p.continuation}</p>}
    </div>
  );
}

function Playground() {
  const runs = useQuery(PlaygroundRunsQuery, {});
  const initial = useSearchParams().get('run') ?? '';
  const [runId, setRunId] = useState(initial);
  const [text, setText] = useState('');
  const [pair, setPair] = useState('');
  const [compareBase, setCompareBase] = useState(true);
  const [result, setResult] = useState<PredictData['predict']['predictions']>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const list = runs.data?.runs.edges.map((e) => e.node) ?? [];
  useEffect(() => {
    if (!runId && list[0]) setRunId(list[0].id);
  }, [list, runId]);
  const run = list.find((r) => r.id === runId);
  // A second box only where the model reads one: question answering's context, or a dataset with a pair column.
  const pairColumn = (run?.dataset.columns as Record<string, unknown> | undefined)?.textPair;
  const pairLabel = run?.task === 'QUESTION_ANSWERING' ? 'Context' : `Second text (the dataset's '${String(pairColumn)}' column)`;
  const wantsPair =
    run?.task === 'QUESTION_ANSWERING' ||
    ((run?.task === 'SEQUENCE_CLASSIFICATION' || run?.task === 'REGRESSION') && typeof pairColumn === 'string' && pairColumn !== '');

  // A causal LM talks: the chat view streams its answers instead of the predict form.
  const generates = run?.task === 'CAUSAL_LM';

  const predict = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // One input per non-empty line.
      const inputs = text
        .split('\n')
        .map((t) => t.trim())
        .filter(Boolean)
        .map((t) => ({ text: t, pair: (wantsPair && pair.trim()) || undefined }));
      const r = await request(PredictMutation, { runId, inputs, compareBase });
      setResult(r.predict.predictions);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Playground</h1>
      <section className="card">
        <ErrorBox error={runs.error} />
        {!runs.data && <Loading />}
        {runs.data && !list.length && <p className="muted">No succeeded run yet.</p>}
        <label className="field" htmlFor="playground-run">
          <span className="name">Run</span>
          <select
            id="playground-run"
            className="wide"
            value={runId}
            title={run ? `${run.name} (${run.model.name}, ${enumLabel(run.task)})` : undefined}
            onChange={(e) => setRunId(e.target.value)}
          >
            {list.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} — {r.strategy} on {r.model.name}, {r.dataset.name} ({enumLabel(r.task)})
              </option>
            ))}
          </select>
          {run && (
            <span className="help" data-testid="playground-run-details">
              {run.name}: {run.strategy} fine-tuning of {run.model.name} on {run.dataset.name}, {enumLabel(run.task)}
            </span>
          )}
        </label>
        <label className="check" style={{ marginBottom: 12 }}>
          <input type="checkbox" checked={compareBase} onChange={(e) => setCompareBase(e.target.checked)} /> compare with the base model
        </label>
        {!generates && (
          <>
            <label className="field" htmlFor="playground-text">
              <span className="name">{run?.task === 'QUESTION_ANSWERING' ? 'Question' : 'Text'} (one input per line)</span>
              <textarea id="playground-text" rows={4} value={text} onChange={(e) => setText(e.target.value)} />
            </label>
            {wantsPair && (
              <label className="field" htmlFor="playground-pair">
                <span className="name">{pairLabel}</span>
                <textarea id="playground-pair" rows={2} value={pair} onChange={(e) => setPair(e.target.value)} />
              </label>
            )}
            <button type="button" disabled={!runId || !text.trim() || busy} onClick={() => void predict()}>
              {busy ? 'Predicting…' : 'Predict'}
            </button>
          </>
        )}
        <ErrorBox error={error} />
      </section>
      {generates && runId && <ChatView runId={runId} compareBase={compareBase} />}
      {!generates &&
        result?.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: inputs may repeat; their order is their identity
          <section className="card" key={i} data-testid="prediction">
            <h2>“{r.text}”</h2>
            <div className="side-by-side">
              <Prediction title="Fine-tuned" p={r.tuned} />
              {r.base ? <Prediction title="Base model" p={r.base} /> : <p className="muted">Base model not compared.</p>}
            </div>
          </section>
        ))}
    </>
  );
}

export default function PlaygroundPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Playground />
    </Suspense>
  );
}
