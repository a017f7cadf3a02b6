'use client';
// One base model: architecture, parameter count, tokenizer, the tasks it fine-tunes for, and its config.json.
import { useSearchParams } from 'next/navigation';
import { Suspense } from 'react';
import { ModelQuery } from '../../../api/operations.ts';
import { useQuery } from '../../../api/use-query.ts';
import { ErrorBox, Loading, Stat } from '../../../components/bits.tsx';
import { formatCount, formatTime } from '../../../components/format.ts';
import { enumLabel } from '../../../components/tasks.ts';

function ModelView({ id }: { id: string }) {
  const q = useQuery(ModelQuery, { id });
  if (q.error) return <ErrorBox error={q.error} />;
  const m = q.data?.model;
  if (!m) return <Loading what="the model" />;
  return (
    <>
      <h1>{m.name}</h1>
      <section className="card">
        <div className="stats">
          <Stat label="model type">{m.modelType}</Stat>
          <Stat label="architecture">{m.architecture ?? '—'}</Stat>
          <Stat label="parameters">{m.parameterCount.toLocaleString()}</Stat>
          <Stat label="tokenizer">
            {m.tokenizer.type}, {formatCount(m.tokenizer.vocabSize)} tokens
          </Stat>
        </div>
        <h3>Supported tasks</h3>
        <div className="row">
          {m.supportedTasks.map((t) => (
            <span className="badge" key={t}>
              {enumLabel(t)}
            </span>
          ))}
        </div>
        <p className="small muted">
          source: {m.source} · imported {formatTime(m.createdAt)}
        </p>
      </section>
      <section className="card">
        <h2>config.json</h2>
        <pre>{JSON.stringify(m.config, null, 2)}</pre>
      </section>
    </>
  );
}

function Page() {
  const id = useSearchParams().get('id');
  return id ? <ModelView id={id} /> : <ErrorBox error="No model id in the address (models/view?id=...)." />;
}

export default function ModelPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}
