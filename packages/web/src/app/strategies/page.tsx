'use client';
// Strategies: the built-ins and every loaded plugin, with their options rendered read-only from their JSON Schema.
import { StrategiesQuery } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading } from '../../components/bits.tsx';
import { SchemaForm } from '../../components/schema-form.tsx';
import { enumLabel } from '../../components/tasks.ts';
import { defaultValues, formFields, type JsonSchema } from '../../lib/schema-form.ts';

export default function StrategiesPage() {
  const q = useQuery(StrategiesQuery, {});
  return (
    <>
      <h1>Strategies</h1>
      <ErrorBox error={q.error} />
      {!q.data && !q.error && <Loading />}
      {q.data?.strategies.nodes.map((s) => {
        const schema = (s.configSchema ?? {}) as JsonSchema;
        return (
          <section className="card" key={s.id} data-strategy={s.id}>
            <div className="spread">
              <h2>
                {s.name} <span className="muted small mono">{s.id}</span>
              </h2>
              <span className="small muted">
                v{s.version} · {s.source.startsWith('@tuneql/') ? `built-in (${s.source})` : `plugin: ${s.source}`}
              </span>
            </div>
            <p>{s.description}</p>
            <p className="small muted">
              Tasks: {s.tasks.map(enumLabel).join(', ')} · architectures: {s.architectures.join(', ')}
              {s.defaults?.learningRate !== undefined && <> · suggested learning rate {String(s.defaults.learningRate)}</>}
            </p>
            <h3>Options</h3>
            <SchemaForm idPrefix={`schema-${s.id}`} fields={formFields(schema)} values={defaultValues(schema)} readOnly />
          </section>
        );
      })}
    </>
  );
}
