// A LoRA chat run on austen-gpt2-mini (decision 0022): without trainable tokens the run is warned that the default
// template's markup rows stay frozen; with trainableTokenIndices those rows train (and only those), the adapter
// carries them in PEFT's layout, and the merged model holds them.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readChatTemplate, readSafetensors, Tokenizer } from '@tuneql/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunOutcome } from './execute-run.ts';
import { prepareRun } from './prepare-run.ts';
import { parseRunSpec, type RunSpec } from './run-spec.ts';

const MODEL = fileURLToPath(new URL('../../../../models/austen-gpt2-mini', import.meta.url));
const CHAT = fileURLToPath(new URL('../../../../data/austen-chat.jsonl', import.meta.url));

/** The markup's token ids: '<', '|', 'im', '_', 'st', 'art', 'end', '>'. */
function markupIds(): number[] {
  const tokenizer = Tokenizer.fromFile(join(MODEL, 'tokenizer.json'));
  const ids = ['<|im_start|>', '<|im_end|>'].flatMap((m) => tokenizer.encode(m, undefined, { addSpecialTokens: false }).ids);
  return [...new Set(ids)];
}

function chatRun(file: string, config: Record<string, unknown>): RunSpec {
  return parseRunSpec({
    model: MODEL,
    task: 'causal-lm',
    data: { file, columns: { messages: 'messages' }, max_length: 128 },
    strategy: { id: 'lora', config: { r: 8, alpha: 16, targetModules: ['c_attn', 'c_proj', 'c_fc'], dropout: 0, ...config } },
    training: { epochs: 1, max_steps: 6, batch_size: 8, learning_rate: 1e-2, warmup_ratio: 0, max_buckets: 1, eval_every: 6 },
    seed: 7,
    threads: 1,
  });
}

describe('a LoRA chat run', () => {
  let file: string;
  let outDir: string;
  let outcome: RunOutcome;
  const ids = markupIds();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-chat-lora-'));
    file = join(dir, 'chat.jsonl');
    writeFileSync(file, `${readFileSync(CHAT, 'utf8').split('\n').slice(0, 80).join('\n')}\n`);
    outDir = join(dir, 'run');
    outcome = await executeRun(chatRun(file, { trainableTokenIndices: ids }), { outDir });
  }, 60_000);

  it("is warned, naming the token ids, when the default template's markup rows stay frozen", async () => {
    const lines: string[] = [];
    await prepareRun(chatRun(file, {}), { log: (l) => lines.push(l), shapesOnly: true });
    const warning = lines.find((l) => l.startsWith('warning: ') && l.includes('<|im_end|>'));
    expect(warning).toContain(`trainableTokenIndices: [${ids.join(', ')}]`);
    expect(warning).toContain('transformer.wte.weight');
    const quiet: string[] = [];
    await prepareRun(chatRun(file, { trainableTokenIndices: ids }), { log: (l) => quiet.push(l), shapesOnly: true });
    expect(quiet.filter((l) => l.includes('<|im_end|>'))).toEqual([]);
  });

  it("trains the markup's rows of the tied embeddings, and only those, exported as PEFT's trainable tokens", async () => {
    expect(outcome.status).toBe('finished');
    const adapter = join(outcome.exports?.adapter as string);
    const config = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8'));
    expect(config.trainable_token_indices).toEqual(ids);
    const { tensors } = await readSafetensors(join(adapter, 'adapter_model.safetensors'));
    const rows = tensors.get('base_model.model.transformer.wte.token_adapter.trainable_tokens_delta');
    expect(rows?.shape).toEqual([ids.length, 128]);
    const base = (await readSafetensors(join(MODEL, 'model.safetensors'))).tensors.get('transformer.wte.weight');
    const merged = (await readSafetensors(join(outcome.exports?.model as string, 'model.safetensors'))).tensors.get(
      'transformer.wte.weight',
    );
    const row = (data: Float32Array | undefined, i: number) => Array.from(data?.subarray(i * 128, (i + 1) * 128) ?? []);
    ids.forEach((id, k) => {
      const trained = row(rows?.data as Float32Array, k);
      // Each markup row moved from its base value, and the merged model holds the trained row.
      const moved = Math.max(...trained.map((v, j) => Math.abs(v - (row(base?.data as Float32Array, id)[j] as number))));
      expect(moved, `row ${id}`).toBeGreaterThan(1e-3);
      expect(row(merged?.data as Float32Array, id)).toEqual(trained);
    });
    // The export carries the default template, still known as the default: generate stops its answers at <|im_end|>.
    expect(readChatTemplate(outcome.exports?.model as string).isDefault).toBe(true);
    // Every other row is the base model's, bit for bit.
    const others = Array.from({ length: 2000 }, (_, i) => i).filter((i) => !ids.includes(i));
    const changed = others.filter((i) => row(merged?.data as Float32Array, i).some((v, j) => v !== row(base?.data as Float32Array, i)[j]));
    expect(changed).toEqual([]);
  });
});
