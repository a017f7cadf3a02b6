'use client';
// Base models: import one (a .tar/.tar.gz archive of a Hugging Face folder, or a folder the server can read) and list them.
import Link from 'next/link';
import { useState } from 'react';
import { request, uploadFile } from '../../api/client.ts';
import { DeleteModelMutation, ImportModelFromDirectoryMutation, ImportModelFromUploadMutation, ModelsQuery } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading, ProgressBar } from '../../components/bits.tsx';
import { formatCount, formatTime } from '../../components/format.ts';
import { enumLabel } from '../../components/tasks.ts';

export default function ModelsPage() {
  const list = useQuery(ModelsQuery, {});
  const [mode, setMode] = useState<'archive' | 'folder'>('archive');
  const [file, setFile] = useState<File>();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [progress, setProgress] = useState<number>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<{ id: string; name: string }>();

  const importModel = async () => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      if (mode === 'archive') {
        if (!file) return;
        setProgress(0);
        const up = await uploadFile(file, file.name.replace(/[^\w.-]/g, '_'), (l, t) => setProgress(t ? l / t : 0));
        const r = await request(ImportModelFromUploadMutation, {
          uploadId: up.id,
          name: name || file.name.replace(/\.tar(\.gz)?$|\.tgz$/, ''),
        });
        setDone(r.importModelFromUpload.model);
      } else {
        const r = await request(ImportModelFromDirectoryMutation, { path, name: name || path.split('/').filter(Boolean).pop() || 'model' });
        setDone(r.importModelFromDirectory.model);
      }
      await list.refetch();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string, modelName: string) => {
    if (!window.confirm(`Delete model ${modelName}?`)) return;
    try {
      await request(DeleteModelMutation, { id });
      await list.refetch();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>Models</h1>
      <section className="card">
        <h2>Import a model</h2>
        <div className="row" style={{ marginBottom: 10 }}>
          <label className="check">
            <input type="radio" name="mode" checked={mode === 'archive'} onChange={() => setMode('archive')} /> upload an archive (.tar,
            .tar.gz)
          </label>
          <label className="check">
            <input type="radio" name="mode" checked={mode === 'folder'} onChange={() => setMode('folder')} /> a folder on the server
          </label>
        </div>
        <div className="form-grid">
          {mode === 'archive' ? (
            <label className="field">
              <span className="name">Archive</span>
              <input
                type="file"
                accept=".tar,.tar.gz,.tgz,application/gzip,application/x-tar"
                onChange={(e) => setFile(e.target.files?.[0])}
              />
              <span className="help">config.json, model.safetensors and tokenizer.json at its top level</span>
            </label>
          ) : (
            <label className="field">
              <span className="name">Folder path</span>
              <input type="text" value={path} placeholder="/models/bert-base-uncased" onChange={(e) => setPath(e.target.value)} />
              <span className="help">a Hugging Face folder the server process can read</span>
            </label>
          )}
          <label className="field">
            <span className="name">Name</span>
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
        </div>
        <div className="row">
          <button type="button" disabled={busy || (mode === 'archive' ? !file : !path)} onClick={() => void importModel()}>
            {busy ? 'Importing…' : 'Import'}
          </button>
          {mode === 'archive' && progress !== undefined && (
            <div style={{ width: 300 }}>
              <ProgressBar fraction={progress} label="upload" />
            </div>
          )}
        </div>
        {done && (
          <div className="notice">
            Imported <Link href={`/models/view?id=${done.id}`}>{done.name}</Link>.
          </div>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="card">
        <h2>All models</h2>
        <ErrorBox error={list.error} />
        {list.loading && !list.data ? (
          <Loading />
        ) : list.data?.models.nodes.length ? (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Architecture</th>
                <th className="num">Parameters</th>
                <th>Tokenizer</th>
                <th>Tasks</th>
                <th>Imported</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.models.nodes.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link href={`/models/view?id=${m.id}`}>{m.name}</Link>
                  </td>
                  <td>{m.modelType}</td>
                  <td>{m.architecture ?? '—'}</td>
                  <td className="num">{formatCount(m.parameterCount)}</td>
                  <td>
                    {m.tokenizer.type} ({formatCount(m.tokenizer.vocabSize)})
                  </td>
                  <td className="small">{m.supportedTasks.map(enumLabel).join(', ')}</td>
                  <td className="small">{formatTime(m.createdAt)}</td>
                  <td>
                    <button type="button" className="danger" onClick={() => void remove(m.id, m.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No models yet.</p>
        )}
      </section>
    </>
  );
}
