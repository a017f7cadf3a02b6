'use client';
// GraphiQL on the console's client: queries and mutations over POST /graphql, subscriptions over the console's
// graphql-ws connection, both carrying the saved API token.
import type { Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { savedToken, sendRaw, subscribeRaw } from '../../api/client.ts';

const fetcher: Fetcher = (params, options) => {
  if (/^\s*subscription\b/m.test(params.query) && !/^\s*(query|mutation)\b/m.test(params.query)) {
    return {
      subscribe: (observer: { next: (v: unknown) => void; error: (e: unknown) => void; complete: () => void }) => {
        const stop = subscribeRaw(params, observer);
        return { unsubscribe: stop };
      },
    } as ReturnType<Fetcher>;
  }
  // Headers typed into GraphiQL's Headers tab (an Authorization of their own) go over the saved token.
  const headers = Object.fromEntries(Object.entries(options?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return sendRaw(params, headers) as ReturnType<Fetcher>;
};

const DEFAULT_QUERY = `# The TuneQL API. Ctrl-Enter runs the query; the Docs button lists every type.
query RecentRuns {
  runs(first: 5) {
    edges {
      node {
        id
        name
        status
        strategy
        trainableParameters
        best { metric value step }
      }
    }
  }
}
`;

export default function GraphiQLView() {
  return (
    <div className="explorer" data-testid="explorer">
      <p className="small muted">
        {savedToken() ? 'Requests carry the API token saved in the header.' : 'No API token saved: requests go without one.'}
      </p>
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false} />
    </div>
  );
}
