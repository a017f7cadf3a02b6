// generation_config.json for a causal language model folder: the special token ids generation needs
// (from config.json, else the tokenizer's special tokens), the longest sequence and greedy decoding,
// in transformers' GenerationConfig names; and how a predictor reads them back from any Hugging Face folder.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specialTokensOf, type TokenizerJson } from './tokenizer-config.ts';

export const GENERATION_CONFIG_FILE = 'generation_config.json';

type TokenId = number | number[];

/** The part of generation_config.json TuneQL writes and reads. */
export interface GenerationConfigJson {
  bos_token_id?: TokenId;
  eos_token_id?: TokenId;
  pad_token_id?: TokenId;
  max_length?: number;
  do_sample?: boolean;
}

/** The parts of config.json this reads. */
interface ModelConfigJson {
  bos_token_id?: TokenId | null;
  eos_token_id?: TokenId | null;
  pad_token_id?: TokenId | null;
  n_positions?: number;
  max_position_embeddings?: number;
}

/** The id of a special token role in tokenizer.json, through its added tokens. */
function tokenId(tokenizer: TokenizerJson, role: 'bos_token' | 'eos_token' | 'pad_token'): number | undefined {
  const content = specialTokensOf(tokenizer)[role];
  return tokenizer.added_tokens?.find((t) => t.content === content && t.id !== undefined)?.id;
}

/** generation_config.json's content for a model's config.json and tokenizer.json. */
export function generationConfigOf(config: ModelConfigJson, tokenizer: TokenizerJson): GenerationConfigJson {
  const id = (role: 'bos_token' | 'eos_token' | 'pad_token'): TokenId | undefined => config[`${role}_id`] ?? tokenId(tokenizer, role);
  const [bos, eos] = [id('bos_token'), id('eos_token')];
  // transformers pads finished sequences with the end-of-sequence token when the model names no padding.
  const pad = id('pad_token') ?? (Array.isArray(eos) ? eos[0] : eos);
  const maxLength = config.n_positions ?? config.max_position_embeddings;
  return {
    ...(bos === undefined ? {} : { bos_token_id: bos }),
    ...(eos === undefined ? {} : { eos_token_id: eos }),
    ...(pad === undefined ? {} : { pad_token_id: pad }),
    ...(maxLength === undefined ? {} : { max_length: maxLength }),
    // Greedy, as TuneQL generates without sampling options. Sampling settings are left out: transformers
    // warns about them (top_k, temperature...) in a greedy config, and the defaults of both agree but
    // for top_k (transformers samples among 50 tokens by default, TuneQL among all).
    do_sample: false,
  };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** `dir`'s generation_config.json, or (a folder without one) what its config.json and tokenizer.json imply. */
export function readGenerationConfig(dir: string): GenerationConfigJson {
  const file = join(dir, GENERATION_CONFIG_FILE);
  if (existsSync(file)) return readJson<GenerationConfigJson>(file);
  const tokenizerFile = join(dir, 'tokenizer.json');
  return generationConfigOf(
    existsSync(join(dir, 'config.json')) ? readJson<ModelConfigJson>(join(dir, 'config.json')) : {},
    existsSync(tokenizerFile) ? readJson<TokenizerJson>(tokenizerFile) : { model: { type: 'unknown' } },
  );
}

/** The end-of-sequence ids of a generation config, as a list. */
export function eosTokenIds(config: GenerationConfigJson): number[] {
  const eos = config.eos_token_id;
  return eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
}
