// Small pieces every page uses: errors the server sent, progress bars, status badges, stat figures.
import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';
import type { RunStatus } from '../gql/graphql.ts';
import { formatDuration } from './format.ts';

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const codes = error instanceof ApiError ? error.errors : [];
  return (
    <div className="error-box" role="alert">
      {title && <strong>{title}: </strong>}
      {codes.length ? (
        codes.map((e, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: errors have no identity; their order is the server's
          <div key={i}>
            {typeof e.extensions?.code === 'string' && <span className="code">{e.extensions.code}</span>}
            {e.message}
          </div>
        ))
      ) : (
        <span>{error instanceof Error ? error.message : String(error)}</span>
      )}
      {error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN') && (
        <div className="small">
          This server needs an API token with the right scopes: paste one in the API token field at the top right.
        </div>
      )}
    </div>
  );
}

export function ProgressBar({ fraction, status, label }: { fraction: number; status?: RunStatus; label?: string }) {
  const pct = Math.max(0, Math.min(1, fraction)) * 100;
  const cls = status === 'SUCCEEDED' ? 'progress done' : status === 'FAILED' ? 'progress failed' : 'progress';
  return (
    <div
      className={cls}
      role="progressbar"
      aria-valuenow={Math.round(pct)}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={label ?? 'progress'}
      title={label}
    >
      <div className="fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

interface RunProgressLike {
  step: number;
  totalSteps: number;
  fraction: number;
  etaSeconds?: number | null;
}

/** A run's progress: bar, steps and, while it runs, the time left. */
export function RunProgressBar({ progress, status }: { progress: RunProgressLike | null | undefined; status: RunStatus }) {
  const fraction = status === 'SUCCEEDED' ? 1 : (progress?.fraction ?? 0);
  const text = progress ? `${progress.step} / ${progress.totalSteps}` : status === 'QUEUED' ? 'queued' : '';
  return (
    <div className="run-progress" data-status={status} data-step={progress?.step ?? 0}>
      <ProgressBar fraction={fraction} status={status} label={text} />
      <div className="small muted spread">
        <span>{text}</span>
        {status === 'RUNNING' && progress?.etaSeconds !== undefined && progress?.etaSeconds !== null && (
          <span>ETA {formatDuration(progress.etaSeconds)}</span>
        )}
      </div>
    </div>
  );
}

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge ${status}`} data-testid="run-status">
      {status}
    </span>
  );
}

export function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="stat">
      <span className="value">{children}</span>
      <span className="label">{label}</span>
    </div>
  );
}

export function Loading({ what }: { what?: string }) {
  return <p className="muted">Loading{what ? ` ${what}` : ''}…</p>;
}
