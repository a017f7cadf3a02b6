// Streamed text: the pieces add up to the final text, hold back half characters and possible stop strings;
// generate() reports each token as it is chosen and stops when its signal aborts.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../tokenizers/tokenizer.ts';
import type { LanguageModel } from './decoders.ts';
import { generate } from './generate.ts';
import { TextStream } from './text-stream.ts';

const TOKENIZER = Tokenizer.fromFile(fileURLToPath(new URL('../../../../models/austen-gpt2-mini/tokenizer.json', import.meta.url)));
const decode = (ids: readonly number[]) => TOKENIZER.decode(ids, { skipSpecialTokens: true });

/** Feeds `ids` one token at a time, as generation does, and returns every piece. */
function pieces(stream: TextStream, ids: readonly number[]): string[] {
  return ids.map((_, i) => stream.next(ids.slice(0, i + 1)));
}

/** A model whose likeliest next token is always `script[position]`: the loop's behaviour without a network. */
function scripted(script: readonly number[], vocab = 8): LanguageModel {
  return {
    cached: true,
    start() {
      let length = 0;
      return {
        feed: async (ids) => {
          length += ids.length;
          const logits = new Float32Array(vocab);
          logits[script[length - 1] ?? 0] = 1;
          return logits;
        },
      };
    },
    release: async () => undefined,
  };
}

describe('TextStream', () => {
  it('never shows half a character, and its pieces add up to the whole text', () => {
    const text = ' Élise said: “café — naïve ☕”, and smiled.';
    const ids = TOKENIZER.encode(text, undefined, { addSpecialTokens: false }).ids;
    expect(decode(ids)).toBe(text);
    // Byte-level BPE splits these characters over several tokens, so some prefixes end inside one.
    const partial = ids.map((_, i) => decode(ids.slice(0, i + 1))).filter((t) => t.endsWith('\uFFFD'));
    expect(partial.length).toBeGreaterThan(0);
    const stream = new TextStream(decode);
    const got = pieces(stream, ids);
    for (const p of got) expect(p).not.toContain('\uFFFD');
    expect(got.join('') + stream.finish(text)).toBe(text);
  });

  it('holds back what may begin a stop string and never shows the stop string', () => {
    const text = ' She said yes. Then she left.';
    const ids = TOKENIZER.encode(text, undefined, { addSpecialTokens: false }).ids;
    const stream = new TextStream(decode, ['. Then', '!!']);
    const got = pieces(stream, ids);
    const shown = got.join('');
    expect(shown).toBe(' She said yes');
    // The generation's final text is cut before the stop string: nothing more to show.
    expect(stream.finish(' She said yes')).toBe('');
  });

  it('releases a held-back tail that turned out not to be a stop string', () => {
    const stream = new TextStream((ids) => ['a', 'a.', 'a.b'][ids.length - 1] ?? '', ['. Then']);
    expect(stream.next([1])).toBe('a');
    expect(stream.next([1, 2])).toBe('');
    expect(stream.next([1, 2, 3])).toBe('.b');
  });
});

describe('generate() while streaming', () => {
  it('reports each token as it is chosen, in order', async () => {
    const seen: [number, number][] = [];
    const result = await generate(scripted([5, 3, 4, 2, 7]), [1], { maxNewTokens: 4 }, { onToken: (t, i) => seen.push([t, i]) });
    expect(result.tokens).toEqual([5, 3, 4, 2]);
    expect(seen).toEqual([
      [5, 0],
      [3, 1],
      [4, 2],
      [2, 3],
    ]);
  });

  it('stops within one token when its signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = generate(
      scripted([5, 3, 4, 2, 7]),
      [1],
      { maxNewTokens: 5 },
      {
        signal: controller.signal,
        onToken: (t) => {
          seen.push(t);
          if (seen.length === 2) controller.abort(new Error('the client went away'));
        },
      },
    );
    await expect(run).rejects.toThrow('the client went away');
    expect(seen).toEqual([5, 3]);
  });
});
