// A query as React state: loads on mount and whenever its variables change, and refetches on demand.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TypedDocumentString } from '../gql/graphql.ts';
import { request } from './client.ts';

export interface QueryState<R> {
  data: R | undefined;
  error: unknown;
  loading: boolean;
  refetch: () => Promise<void>;
}

/** `variables` null skips the query (something it needs is not chosen yet). */
export function useQuery<R, V>(document: TypedDocumentString<R, V>, variables: V | null): QueryState<R> {
  const [data, setData] = useState<R>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(variables !== null);
  const key = variables === null ? null : JSON.stringify(variables);
  const latest = useRef(0);

  const load = useCallback(async () => {
    if (key === null) return;
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const r = await request(document, JSON.parse(key) as V);
      if (ticket === latest.current) {
        setData(r);
        setError(undefined);
      }
    } catch (err) {
      if (ticket === latest.current) setError(err);
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [document, key]);

  useEffect(() => {
    void load();
  }, [load]);

  return { data, error, loading, refetch: load };
}
