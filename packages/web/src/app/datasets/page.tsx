'use client';
// Datasets: upload a CSV or JSONL file (with progress), map its columns to the task, create the dataset;
// every row the server refuses is listed with its row and column.
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { ApiError, request, type Uploaded, uploadFile } from '../../api/client.ts';
import { CreateDatasetMutation, DatasetsQuery } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading, ProgressBar } from '../../components/bits.tsx';
import { formatBytes, formatTime } from '../../components/format.ts';
import { enumLabel, TASK_COLUMNS, TASKS } from '../../components/tasks.ts';
import type { Task } from '../../gql/graphql.ts';

interface Issue {
  file?: string;
  row: number;
  column: string | null;
  message: string;
}

/** Column names from the file's first line: the CSV header, or the first JSONL object's keys. */
async function detectColumns(file: File): Promise<string[]> {
  const head = await file.slice(0, 64 * 1024).text();
  const first = head.split(/\r?\n/).find((l) => l.trim()) ?? '';
  if (/\.jsonl?$/i.test(file.name)) {
    try {
      const obj = JSON.parse(first) as Record<string, unknown>;
      return Object.keys(obj);
    } catch {
      return [];
    }
  }
  return first.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
}

export default function DatasetsPage() {
  const list = useQuery(DatasetsQuery, {});
  const [file, setFile] = useState<File>();
  const [name, setName] = useState('');
  const [task, setTask] = useState<Task>('SEQUENCE_CLASSIFICATION');
  const [columns, setColumns] = useState<Record<string, string>>({});
  const [detected, setDetected] = useState<string[]>([]);
  const [uploaded, setUploaded] = useState<{ file: File; upload: Uploaded }>();
  const [progress, setProgress] = useState<number>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [issues, setIssues] = useState<Issue[]>([]);
  const [created, setCreated] = useState<{ id: string; name: string; rowCount: number }>();

  const roles = useMemo(() => TASK_COLUMNS[task] ?? {}, [task]);

  const pick = async (f: File | undefined) => {
    setFile(f);
    setUploaded(undefined);
    setProgress(undefined);
    setIssues([]);
    setError(undefined);
    setCreated(undefined);
    if (!f) return;
    if (!name) setName(f.name.replace(/\.[^.]+$/, ''));
    setDetected(await detectColumns(f));
  };

  const create = async () => {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setIssues([]);
    setCreated(undefined);
    try {
      let up = uploaded?.file === file ? uploaded.upload : undefined;
      if (!up) {
        setProgress(0);
        up = await uploadFile(file, file.name.replace(/[^\w.-]/g, '_'), (loaded, total) => setProgress(total ? loaded / total : 0));
        setUploaded({ file, upload: up });
      }
      const mapping = Object.fromEntries(Object.entries(columns).filter(([role, col]) => col && role in roles));
      const r = await request(CreateDatasetMutation, {
        input: { name: name || file.name, uploadId: up.id, task, columns: Object.keys(mapping).length ? mapping : undefined },
      });
      setCreated(r.createDataset.dataset);
      await list.refetch();
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && Array.isArray(err.extensions.issues)) setIssues(err.extensions.issues as Issue[]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Datasets</h1>
      <section className="card" aria-label="Upload a dataset">
        <h2>Upload a dataset</h2>
        <div className="form-grid">
          <label className="field">
            <span className="name">File (CSV or JSONL)</span>
            <input
              id="dataset-file"
              type="file"
              accept=".csv,.jsonl,.json,text/csv,application/json"
              onChange={(e) => void pick(e.target.files?.[0])}
            />
          </label>
          <label className="field">
            <span className="name">Name</span>
            <input id="dataset-name" type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            <span className="name">Task</span>
            <select id="dataset-task" value={task} onChange={(e) => setTask(e.target.value as Task)}>
              {TASKS.map((t) => (
                <option key={t} value={t}>
                  {enumLabel(t)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <h3>Columns</h3>
        <p className="small muted">
          Which column holds each field of the task; blank keeps the default. Dotted paths reach into JSON objects (answers.text).
        </p>
        <datalist id="detected-columns">
          {detected.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <div className="form-grid">
          {Object.entries(roles).map(([role, def]) => (
            <label className="field" key={role}>
              <span className="name">{role}</span>
              <input
                type="text"
                list="detected-columns"
                aria-label={`column for ${role}`}
                placeholder={def ? `default: ${def}` : 'optional'}
                value={columns[role] ?? ''}
                onChange={(e) => setColumns({ ...columns, [role]: e.target.value })}
              />
            </label>
          ))}
        </div>
        {detected.length > 0 && <p className="small muted">Columns in the file: {detected.join(', ')}</p>}
        <div className="row">
          <button type="button" disabled={!file || busy} onClick={() => void create()}>
            {busy ? 'Working…' : 'Upload and create'}
          </button>
          {progress !== undefined && (
            <div style={{ flex: 1, maxWidth: 360 }} data-testid="upload-progress" data-fraction={progress}>
              <ProgressBar fraction={progress} label="upload" />
              <span className="small muted">
                {progress >= 1 ? `uploaded ${formatBytes(file?.size)}` : `uploading… ${Math.round(progress * 100)}%`}
              </span>
            </div>
          )}
        </div>
        {created && (
          <div className="notice" data-testid="dataset-created">
            Created <Link href={`/datasets/view?id=${created.id}`}>{created.name}</Link> with {created.rowCount} rows.
          </div>
        )}
        <ErrorBox error={error} title="The dataset was not created" />
        {issues.length > 0 && (
          <table className="issues" aria-label="Validation errors">
            <thead>
              <tr>
                <th className="num">Row</th>
                <th>Column</th>
                <th>Problem</th>
              </tr>
            </thead>
            <tbody>
              {issues.map((i) => (
                <tr key={`${i.file ?? ''}:${i.row}:${i.column ?? ''}:${i.message}`} data-row={i.row} data-column={i.column ?? ''}>
                  <td className="num">{i.row}</td>
                  <td>{i.column ?? '—'}</td>
                  <td>{i.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-label="Datasets">
        <h2>All datasets</h2>
        <ErrorBox error={list.error} />
        {list.loading && !list.data ? (
          <Loading />
        ) : list.data?.datasets.nodes.length ? (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Task</th>
                <th>Format</th>
                <th className="num">Rows</th>
                <th className="num">Size</th>
                <th>Labels</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.datasets.nodes.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link href={`/datasets/view?id=${d.id}`}>{d.name}</Link>
                  </td>
                  <td>{enumLabel(d.task)}</td>
                  <td>{enumLabel(d.format)}</td>
                  <td className="num">{d.rowCount}</td>
                  <td className="num">{formatBytes(d.bytes)}</td>
                  <td className="small">{d.labels?.join(', ') ?? '—'}</td>
                  <td className="small">{formatTime(d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No datasets yet.</p>
        )}
      </section>
    </>
  );
}
