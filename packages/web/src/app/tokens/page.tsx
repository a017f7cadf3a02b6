'use client';
// API tokens: list, create (the secret is shown once) and revoke.
import { useState } from 'react';
import { request } from '../../api/client.ts';
import { ApiTokensQuery, CreateApiTokenMutation, RevokeApiTokenMutation } from '../../api/operations.ts';
import { useQuery } from '../../api/use-query.ts';
import { ErrorBox, Loading } from '../../components/bits.tsx';
import { formatTime } from '../../components/format.ts';
import { enumLabel } from '../../components/tasks.ts';
import type { TokenScope } from '../../gql/graphql.ts';

const SCOPES: readonly TokenScope[] = ['READ', 'WRITE'];

export default function TokensPage() {
  const q = useQuery(ApiTokensQuery, {});
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['READ', 'WRITE']);
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<unknown>();

  const create = async () => {
    setError(undefined);
    setSecret(undefined);
    try {
      const r = await request(CreateApiTokenMutation, { name, scopes });
      setSecret(r.createApiToken.secret);
      setName('');
      await q.refetch();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: string) => {
    setError(undefined);
    try {
      await request(RevokeApiTokenMutation, { id });
      await q.refetch();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>API tokens</h1>
      <section className="card">
        <h2>Create a token</h2>
        <div className="row">
          <input
            type="text"
            aria-label="token name"
            placeholder="name, e.g. ci-pipeline"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          {SCOPES.map((s) => (
            <label className="check" key={s}>
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
              />
              {enumLabel(s)}
            </label>
          ))}
          <button type="button" disabled={!name.trim() || !scopes.length} onClick={() => void create()}>
            Create
          </button>
        </div>
        {secret && (
          <div className="notice">
            <p>
              Copy the secret now: it is not shown again. Send it as <code>Authorization: Bearer &lt;secret&gt;</code>, or paste it in the
              header&apos;s API token field.
            </p>
            <div className="secret" data-testid="token-secret">
              {secret}
            </div>
          </div>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="card">
        <h2>Tokens</h2>
        <ErrorBox error={q.error} />
        {q.loading && !q.data ? (
          <Loading />
        ) : q.data?.apiTokens.nodes.length ? (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Prefix</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Last used</th>
                <th>Revoked</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {q.data.apiTokens.nodes.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td className="mono">{t.prefix}…</td>
                  <td>{t.scopes.map(enumLabel).join(', ')}</td>
                  <td className="small">{formatTime(t.createdAt)}</td>
                  <td className="small">{formatTime(t.lastUsedAt)}</td>
                  <td className="small">{t.revokedAt ? formatTime(t.revokedAt) : '—'}</td>
                  <td>
                    {!t.revokedAt && (
                      <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No tokens.</p>
        )}
      </section>
    </>
  );
}
