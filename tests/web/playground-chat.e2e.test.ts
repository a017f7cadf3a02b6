// The playground's chat view in a real browser (Debian's Chromium through playwright-core) against a real server:
// a causal-LM run fine-tuned through the API answers a conversation, its answer streaming in token by token next
// to the base model's, each equal to what the generate subscription gives a script for the same conversation.
// Needs the console's static build: pnpm --filter @tuneql/web build.

import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type TestServer, tinyCausalLmRun, wsClient } from '../server/harness.ts';
import { launchBrowser, SHOTS } from './browser.ts';

let server: TestServer;
let browser: Browser;
let page: Page;
let client: Client;
let runId: string;

/** The answer a script gets for `messages` from `model`, greedy, as the chat view asks for it. */
function apiAnswer(model: 'TUNED' | 'BASE', messages: { role: string; content: string }[], maxNewTokens: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    client.subscribe<{ generate: { type: string; continuation: string | null } }>(
      {
        query: 'subscription($input: GenerateInput!) { generate(input: $input) { type continuation } }',
        variables: { input: { runId, model, messages, generation: { maxNewTokens } } },
      },
      {
        next: ({ data, errors }) => {
          if (errors?.length) reject(new Error(JSON.stringify(errors)));
          if (data?.generate.type === 'FINISHED') text = data.generate.continuation ?? '';
        },
        error: (err) => reject(new Error(JSON.stringify(err))),
        complete: () => resolve(text),
      },
    );
  });
}

describe('the playground chat view', () => {
  beforeAll(async () => {
    vi.setConfig({ expect: { poll: { timeout: 20_000 } } });
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    client = wsClient(server.url);
    runId = await tinyCausalLmRun(server.url);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    // Every state and token count each answer shows, as they change: a streamed answer shows tokens while still streaming.
    await page.addInitScript(() => {
      const w = window as unknown as { __counts: Record<string, string[]> };
      w.__counts = {};
      new MutationObserver(() => {
        document.querySelectorAll('.chat-column [data-testid="chat-answer"]').forEach((el) => {
          const column = el.closest('.chat-column')?.getAttribute('data-testid') ?? '?';
          const turn = [...(el.closest('.chat-column')?.querySelectorAll('[data-testid="chat-answer"]') ?? [])].indexOf(el);
          const key = `${column}/${turn}`;
          const seen = w.__counts[key] ?? [];
          w.__counts[key] = seen;
          const count = `${el.getAttribute('data-state')}:${el.getAttribute('data-tokens')}`;
          if (seen[seen.length - 1] !== count) seen.push(count);
        });
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-tokens', 'data-state'] });
    });
  }, 180_000);

  afterAll(async () => {
    await client?.dispose();
    await browser?.close();
    await server?.stop();
  });

  it("streams the tuned model's answer next to the base model's, as the API gives them, over two turns", async () => {
    await page.goto(`${server.url}/playground/?run=${runId}`);
    await page.waitForSelector('[data-testid="chat-view"]');
    // A causal LM gets the chat, not the predict form.
    expect(await page.locator('#playground-text').count()).toBe(0);
    await page.click('summary:has-text("Generation settings")');
    await page.fill('#gen-maxNewTokens', '12');
    // austen-gpt2-mini reads 128 tokens, and its small vocabulary spells the default template's markers out in many:
    // a short system message and short answers keep two turns inside.
    await page.fill('#chat-system', 'Answer briefly.');

    const answers = (column: string) => page.locator(`[data-testid="chat-${column}"] [data-testid="chat-answer"]`);
    const texts = (column: string) =>
      answers(column).evaluateAll((els) => els.map((e) => e.querySelector('.chat-text')?.textContent ?? ''));
    const conversation: { role: string; content: string }[] = [{ role: 'SYSTEM', content: 'Answer briefly.' }];
    const history = { tuned: [...conversation], base: [...conversation] };

    for (const [turn, message] of ['Who is Emma?', 'And Mr. Knightley?'].entries()) {
      await page.fill('#chat-message', message);
      await page.press('#chat-message', 'Enter');
      for (const column of ['tuned', 'base']) {
        await expect.poll(() => answers(column).nth(turn).getAttribute('data-state')).toBe('done');
      }
      for (const column of ['tuned', 'base'] as const) {
        const shown = (await texts(column))[turn] ?? '';
        const asked = [...history[column], { role: 'USER', content: message }];
        expect(shown, `${column} turn ${turn}`).toBe(await apiAnswer(column === 'tuned' ? 'TUNED' : 'BASE', asked, 12));
        history[column] = shown.trim() ? [...asked, { role: 'ASSISTANT', content: shown }] : asked;
        // Streamed: the answer showed tokens while it was still being written.
        const counts = await page.evaluate(
          (key) => (window as unknown as { __counts: Record<string, string[]> }).__counts[key] ?? [],
          `chat-${column}/${turn}`,
        );
        const final = Number(counts.at(-1)?.split(':')[1]);
        expect(final).toBeGreaterThan(1);
        expect(
          counts.some((c) => c.startsWith('streaming:') && Number(c.split(':')[1]) < final),
          JSON.stringify(counts),
        ).toBe(true);
      }
    }
    expect(await page.textContent('[data-testid="chat-tuned"] [data-testid="chat-answer-meta"]')).toMatch(/^\d+ tokens, ended by /);
    await page.screenshot({ path: join(SHOTS, 'playground-chat.png'), fullPage: true });
  });
});
