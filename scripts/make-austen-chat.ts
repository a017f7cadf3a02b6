// Makes data/austen-chat.jsonl, the project's own small conversation dataset, from its Austen paragraphs:
// questions and answers about who says a line, which novel a line or a character is from, one or two
// turns each, short enough for austen-gpt2-mini's 128 positions under the default chat template.
//   node scripts/make-austen-chat.ts [--out data/austen-chat.jsonl]

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ChatMessage, Rng, renderChat, Tokenizer } from '../packages/engine/src/index.ts';
import { DEFAULT_CORPUS, type Paragraph, ROOT } from './austen-corpus.ts';

const SEED = 20261203;
/** Tokens a conversation may take with the default template: the model's 128 positions, less a margin. */
const MAX_TOKENS = 120;
const TITLES = String.raw`(?:Mr\.|Mrs\.|Miss|Lady|Sir|Colonel|Captain|Dr\.|Admiral)`;
/** A quoted line and who says it: `"Dear, dear Norland!" cried Marianne`. */
const SPOKEN = new RegExp(String.raw`"([^"]{12,90}?)[,!?.]?" (?:said|cried|replied) (${TITLES} )?([A-Z][a-z]+)`, 'g');
const NAMED = new RegExp(String.raw`(${TITLES}) ([A-Z][a-z]+)`, 'g');
/** Capitalised words after "said" that are not speakers. */
const NOT_NAMES = new Set(['He', 'She', 'They', 'The', 'It', 'This', 'That', 'Her', 'His']);

interface Spoken {
  line: string;
  speaker: string;
  novel: string;
}

function readParagraphs(file: string): Paragraph[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Paragraph);
}

/** Quoted lines with their speaker, each line once. */
function spokenLines(paragraphs: readonly Paragraph[]): Spoken[] {
  const seen = new Set<string>();
  const out: Spoken[] = [];
  for (const p of paragraphs) {
    for (const m of p.text.matchAll(SPOKEN)) {
      const [, line = '', title = '', name = ''] = m;
      if (NOT_NAMES.has(name) || seen.has(line)) continue;
      seen.add(line);
      out.push({ line: line.trim(), speaker: `${title}${name}`, novel: p.label });
    }
  }
  return out;
}

/** Titled names (Mr. Darcy) met at least 8 times, 95% of them in one novel: that novel's characters. */
function characters(paragraphs: readonly Paragraph[]): { name: string; novel: string }[] {
  const counts = new Map<string, Map<string, number>>();
  for (const p of paragraphs) {
    for (const m of p.text.matchAll(NAMED)) {
      const name = `${m[1]} ${m[2]}`;
      const byNovel = counts.get(name) ?? new Map<string, number>();
      byNovel.set(p.label, (byNovel.get(p.label) ?? 0) + 1);
      counts.set(name, byNovel);
    }
  }
  const out: { name: string; novel: string }[] = [];
  for (const [name, byNovel] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const total = [...byNovel.values()].reduce((a, b) => a + b, 0);
    const [novel, most] = [...byNovel].sort((a, b) => b[1] - a[1])[0] as [string, number];
    if (total >= 8 && most / total >= 0.95) out.push({ name, novel });
  }
  return out;
}

/** Plain sentences of 8 to 18 words (no quotation marks), `perNovel` of each novel, drawn at random. */
function sentences(paragraphs: readonly Paragraph[], perNovel: number, rng: Rng): { line: string; novel: string }[] {
  const byNovel = new Map<string, string[]>();
  for (const p of paragraphs) {
    for (const s of p.text.split(/(?<=[.!?])\s+/)) {
      const words = s.trim().split(/\s+/).length;
      if (words < 8 || words > 18 || /["'_]/.test(s)) continue;
      const list = byNovel.get(p.label) ?? [];
      list.push(s.trim());
      byNovel.set(p.label, list);
    }
  }
  return [...byNovel].flatMap(([novel, list]) =>
    rng
      .shuffle(list)
      .slice(0, perNovel)
      .map((line) => ({ line, novel })),
  );
}

function conversations(paragraphs: readonly Paragraph[], rng: Rng): ChatMessage[][] {
  const user = (content: string): ChatMessage => ({ role: 'user', content });
  const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
  const out: ChatMessage[][] = [];
  rng.shuffle(spokenLines(paragraphs)).forEach((s, i) => {
    // Half ask for the speaker at once, half for the novel first and then, as a follow-up, the speaker.
    if (i % 2 === 0) out.push([user(`Who says "${s.line}"?`), assistant(`${s.speaker}, in ${s.novel}.`)]);
    else
      out.push([
        user(`Which novel is this line from? "${s.line}"`),
        assistant(`${s.novel}.`),
        user('Who says it?'),
        assistant(`${s.speaker}.`),
      ]);
  });
  for (const c of characters(paragraphs)) out.push([user(`In which novel does ${c.name} appear?`), assistant(`${c.novel}.`)]);
  for (const s of sentences(paragraphs, 100, rng)) out.push([user(`Which novel is this line from? "${s.line}"`), assistant(`${s.novel}.`)]);
  return rng.shuffle(out);
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 ? (args[outIndex + 1] as string) : join(ROOT, 'data/austen-chat.jsonl'));
const tokenizer = Tokenizer.fromFile(join(ROOT, 'models/austen-gpt2-mini/tokenizer.json'));
const all = conversations(readParagraphs(DEFAULT_CORPUS), new Rng(SEED));
const kept = all.filter(
  (messages) =>
    tokenizer.encode(renderChat(messages), undefined, { addSpecialTokens: false, truncation: null, padding: null }).ids.length <=
    MAX_TOKENS,
);
writeFileSync(out, `${kept.map((messages) => JSON.stringify({ messages })).join('\n')}\n`);
console.log(`wrote ${kept.length} conversations (${all.length - kept.length} longer than ${MAX_TOKENS} tokens left out) to ${out}`);
