'use client';
// The GraphQL explorer: GraphiQL bundled into the console (nothing loaded from a CDN, so it works offline), sending
// the API token saved in the header like every other page. The server sends browsers that open /graphql here.
import dynamic from 'next/dynamic';
import { Loading } from '../../components/bits.tsx';

// GraphiQL's editors touch `window` when loaded: client only.
const Explorer = dynamic(() => import('./graphiql-view.tsx'), { ssr: false, loading: () => <Loading what="the explorer" /> });

export default function ExplorerPage() {
  return <Explorer />;
}
