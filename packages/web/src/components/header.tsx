'use client';
// The header: links to every page, and the API token this browser sends (kept in localStorage).
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';
import { savedToken, saveToken } from '../api/client.ts';

const PAGES: [href: string, label: string][] = [
  ['/', 'Runs'],
  ['/runs/new', 'New run'],
  ['/compare', 'Compare'],
  ['/sweeps', 'Sweeps'],
  ['/playground', 'Playground'],
  ['/datasets', 'Datasets'],
  ['/models', 'Models'],
  ['/strategies', 'Strategies'],
  ['/tokens', 'API tokens'],
  ['/explorer', 'GraphQL'],
];

function isActive(pathname: string, href: string): boolean {
  const path = pathname.replace(/\.html$/, '').replace(/\/$/, '') || '/';
  if (href === '/') return path === '/' || path === '/runs/view';
  return path === href || path.startsWith(`${href}/`);
}

export function Header() {
  const pathname = usePathname() ?? '/';
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState('');
  useEffect(() => {
    setToken(savedToken());
    setSaved(savedToken());
  }, []);
  const apply = () => {
    saveToken(token.trim());
    // Subscriptions authenticate when they connect: start over with the new token.
    window.location.reload();
  };
  return (
    <header className="top">
      <Link href="/" className="brand">
        TuneQL
      </Link>
      <nav>
        {PAGES.map(([href, label]) => (
          <Link key={href} href={href} className={isActive(pathname, href) ? 'active' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <form
        className="token-bar"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <label htmlFor="api-token">API token</label>
        <input
          id="api-token"
          type="password"
          placeholder={saved ? 'saved' : 'none (loopback server)'}
          value={token}
          autoComplete="off"
          onChange={(e) => setToken(e.target.value)}
        />
        {token !== saved && <button type="submit">Save</button>}
      </form>
    </header>
  );
}
