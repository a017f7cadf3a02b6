// The console's frame: the header with every page and the API token field, around each page.
import type { ReactNode } from 'react';
import { Header } from '../components/header.tsx';
import './globals.css';

export const metadata = { title: 'TuneQL console', description: 'Fine-tune pre-trained models: runs, datasets, models, strategies.' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Header />
        <main>{children}</main>
      </body>
    </html>
  );
}
