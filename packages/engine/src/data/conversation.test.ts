// Conversation datasets for causal LMs: rows of `messages` checked in a data thread with the line and the message
// named, rendered with the chat template, and labelled on the assistant's tokens only.

import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatMessage, defaultChatTemplate } from '../chat/template.ts';
import { Tokenizer } from '../tokenizers/index.ts';
import { IGNORE_INDEX } from '../train/batching.ts';
import { DatasetConfigError, resolveColumns } from './columns.ts';
import { parseCsv } from './csv.ts';
import { DataThreads } from './data-thread.ts';
import { loadDataset } from './dataset.ts';
import { DatasetError } from './issues.ts';
import { validateTables } from './validate.ts';

const GPT2 = join(import.meta.dirname, '../../fixtures/tokenizers/gpt2-bpe.json');
const tokenizer = Tokenizer.fromFile(GPT2);
const threads = new DataThreads({ threads: 1 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuneql-chat-data-'));
});
afterAll(async () => {
  await threads.close();
  await rm(dir, { recursive: true, force: true });
});

const chat = (...turns: [string, string][]): { messages: ChatMessage[] } => ({
  messages: turns.map(([role, content]) => ({ role, content })),
});

function writeJsonl(name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

const GOOD = [
  chat(['system', 'You know Austen.'], ['user', 'Which novel has Emma Woodhouse?'], ['assistant', 'Emma.']),
  chat(['user', 'Who marries Elizabeth Bennet?'], ['assistant', 'Mr Darcy.'], ['user', 'Where does he live?'], ['assistant', 'Pemberley.']),
];

describe('conversation rows', () => {
  it('name the line and the message for each problem, found in a data thread before anything is tokenized', async () => {
    const path = writeJsonl('bad.jsonl', [
      ...GOOD,
      chat(['user', 'Hello'], ['bot', 'Hi']),
      chat(['user', '   '], ['assistant', 'Hi']),
      { messages: 'user: hello' },
      { messages: [{ role: 'user', content: 'Hello' }, 'assistant: hi'] },
      chat(['system', 'Be brief.'], ['user', 'Hello']),
      { messages: [] },
      { messages: [{ content: 'Hello' }, { role: 'assistant', content: ['Hi'] }] },
    ]);
    const err = await rejection(threads.load({ files: { train: path }, task: 'causal-lm', tokenizerFile: GPT2, maxLength: 64 }));
    expect(err).toBeInstanceOf(DatasetError);
    const issues = (err as DatasetError).issues.map((i) => [i.row, i.column, i.message]);
    expect(issues).toEqual([
      [3, 'messages', "messages[1]: unknown role 'bot'; roles are system, user, assistant"],
      [4, 'messages', 'messages[0]: the user turn is empty; every message needs text'],
      [5, 'messages', 'expected an array of messages ({ role, content }), got a string ("user: hello")'],
      [6, 'messages', 'messages[1]: expected a message object { role, content }, got a string ("assistant: hi")'],
      [7, 'messages', 'has no assistant message, so there is nothing to learn (the loss covers assistant turns only); add the reply'],
      [8, 'messages', 'has no messages; a conversation needs at least one user and one assistant message'],
      [9, 'messages', 'messages[0]: has no role; roles are system, user, assistant'],
      [9, 'messages', 'messages[1]: content is an array of 1, not text'],
    ]);
  });

  it('refuse a conversation longer than max_length, naming the message where it passes the limit', async () => {
    const long = chat(
      ['user', 'Tell me about Emma.'],
      ['assistant', 'Emma Woodhouse, handsome, clever, and rich. '.repeat(12)],
      ['user', 'Thanks'],
    );
    const path = writeJsonl('long.jsonl', [...GOOD, long]);
    const err = await rejection(threads.load({ files: { train: path }, task: 'causal-lm', tokenizerFile: GPT2, maxLength: 120 }));
    expect(err).toBeInstanceOf(DatasetError);
    const [issue] = (err as DatasetError).issues;
    expect(issue?.row).toBe(3);
    expect(issue?.message).toMatch(
      /^the conversation is \d+ tokens with the default chat template \(ChatML\), more than max_length 120; it passes the limit in messages\[1\] \(assistant\)/,
    );
  });

  it('report a template that fails on a row as a dataset problem naming the template and the line', async () => {
    const strict = {
      ...defaultChatTemplate(),
      name: 'strict.jinja',
      isDefault: false,
      source:
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system turns') }}{% endif %}{% for m in messages %}{{ m.content }}{% endfor %}",
    };
    const path = writeJsonl('strict.jsonl', GOOD);
    const err = await rejection(
      threads.load({ files: { train: path }, task: 'causal-lm', tokenizerFile: GPT2, maxLength: 64, chatTemplate: strict }),
    );
    expect(err).toBeInstanceOf(DatasetError);
    const issue = (err as DatasetError).issues[0];
    expect(issue?.row).toBe(1);
    expect(issue?.message).toContain(`strict.jinja: the chat template fails to render (${path} line 1): no system turns`);
  });

  it('may come from a CSV cell holding the list as JSON', () => {
    const cell = JSON.stringify(GOOD[0]?.messages).replaceAll('"', '""');
    const table = parseCsv(new TextEncoder().encode(`conversation\n"${cell}"\n"[not json"\n`), 'chat.csv');
    const { records, issues } = validateTables([table], { task: 'causal-lm', columns: { messages: 'conversation' } });
    expect(records[0]?.map((r) => ('messages' in r ? r.messages : undefined))).toEqual([GOOD[0]?.messages]);
    expect(issues.map((i) => [i.row, i.message])).toEqual([
      [3, 'holds text that is not a JSON array of messages; write [{"role": "user", "content": "..."}, ...]'],
    ]);
  });

  it('are found by their default column beside plain texts, or by columns.messages alone', () => {
    expect(resolveColumns('causal-lm')).toEqual({ text: 'text', messages: 'messages' });
    expect(resolveColumns('causal-lm', { messages: 'conversation' })).toEqual({ messages: 'conversation' });
    expect(resolveColumns('causal-lm', { text: 'body' })).toEqual({ text: 'body' });
    expect(() => resolveColumns('causal-lm', { messages: 'm', text: 't' })).toThrow(DatasetConfigError);
  });
});

describe('conversation examples', () => {
  it("carry labels on exactly the assistant turns' tokens (reply and end of turn), as tokenizing each turn alone counts them", async () => {
    const path = writeJsonl('good.jsonl', [...GOOD, { text: 'A plain text row beside them.' }]);
    const loaded = await loadDataset({ files: { train: path }, task: 'causal-lm', tokenizer, maxLength: 128 });
    expect(loaded.train).toHaveLength(3);
    const [first, second, plain] = loaded.train;
    const expected = [['Emma.<|im_end|>\n'], ['Mr Darcy.<|im_end|>\n', 'Pemberley.<|im_end|>\n']];
    [first, second].forEach((example, k) => {
      const labels = example?.label as number[];
      // Runs of labelled tokens, decoded: each is one assistant turn's text, in order.
      const runs: number[][] = [];
      labels.forEach((l, i) => {
        if (l === IGNORE_INDEX) return;
        expect(l).toBe(example?.inputIds[i]);
        if (i > 0 && labels[i - 1] !== IGNORE_INDEX) runs.at(-1)?.push(l);
        else runs.push([l]);
      });
      expect(runs.map((r) => tokenizer.decode(r))).toEqual(expected[k]);
      // Independently: the turns tokenized on their own give as many tokens as the labels count.
      const alone = (expected[k] as string[]).reduce(
        (n, t) => n + tokenizer.encode(t, undefined, { addSpecialTokens: false }).ids.length,
        0,
      );
      expect(labels.filter((l) => l !== IGNORE_INDEX)).toHaveLength(alone);
    });
    // The whole text is the template's rendering, tokenized as one.
    expect(tokenizer.decode(first?.inputIds as number[])).toBe(
      '<|im_start|>system\nYou know Austen.<|im_end|>\n<|im_start|>user\nWhich novel has Emma Woodhouse?<|im_end|>\n<|im_start|>assistant\nEmma.<|im_end|>\n',
    );
    // A plain text row keeps every label.
    expect(((plain?.label ?? []) as number[]).every((l) => l !== IGNORE_INDEX)).toBe(true);
  });
});
