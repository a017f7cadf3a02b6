// data.max_length against the model: its positions (RoBERTa's offset taken off) and its tokenizer's limit,
// from tokenizer_config.json's model_max_length or tokenizer.json's truncation, each refusal naming both numbers.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMaxLength, sequenceLimits, tokenizerLimit } from './model-limits.ts';
import { RunSpecError } from './run-spec.ts';

const folder = (files: Record<string, unknown>) => {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-limits-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
};

const refusal = (maxLength: number, limits: Parameters<typeof checkMaxLength>[2]) => {
  try {
    checkMaxLength({ data: { max_length: maxLength } as never }, 'tiny', limits);
  } catch (err) {
    return err as RunSpecError;
  }
  return undefined;
};

describe('model limits', () => {
  it("read the positions of each family's config, RoBERTa's less its padding offset", () => {
    expect(sequenceLimits({ model_type: 'bert', max_position_embeddings: 512 }, undefined).positions).toBe(512);
    expect(sequenceLimits({ model_type: 'gpt2', n_positions: 1024 }, 300).positions).toBe(1024);
    expect(sequenceLimits({ model_type: 'roberta', max_position_embeddings: 514, pad_token_id: 1 }, undefined).positions).toBe(512);
    const bad = (() => {
      try {
        sequenceLimits({ model_type: 'bert', max_position_embeddings: -3 }, undefined);
      } catch (err) {
        return err;
      }
    })();
    expect(bad).toBeInstanceOf(RunSpecError);
    expect((bad as RunSpecError).problems[0]?.path).toBe('model');
  });

  it("read the tokenizer's limit, ignoring transformers' 'no limit' sentinel", () => {
    expect(tokenizerLimit(folder({ 'tokenizer_config.json': { model_max_length: 256 } }))).toBe(256);
    expect(tokenizerLimit(folder({ 'tokenizer_config.json': { model_max_length: 1e30 } }))).toBeUndefined();
    expect(tokenizerLimit(folder({ 'tokenizer.json': { truncation: { max_length: 64 } } }))).toBe(64);
    expect(tokenizerLimit(folder({ 'tokenizer.json': { truncation: null } }))).toBeUndefined();
    expect(tokenizerLimit(folder({}))).toBeUndefined();
  });

  it('refuse a max_length past either limit, naming both numbers and the field', () => {
    expect(refusal(128, { positions: 128, tokenizer: undefined })).toBeUndefined();
    const positions = refusal(129, { positions: 128, tokenizer: undefined });
    expect(positions?.message).toBe('data.max_length 129 is more than the 128 positions of model tiny; set data.max_length to 128 or less');
    expect(positions?.problems).toEqual([{ path: 'data.max_length', message: positions?.message }]);
    expect(refusal(100, { positions: 128, tokenizer: 64 })?.message).toBe(
      'data.max_length 100 is more than the 64 tokens the tokenizer of model tiny takes (its model_max_length); set data.max_length to 64 or less',
    );
  });
});
