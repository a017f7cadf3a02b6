// tokenizer_config.json and special_tokens_map.json for a model folder TuneQL writes: the base model's
// own when it has them, else derived from tokenizer.json, so transformers and transformers.js (which
// pick the tokenizer class and its special tokens from these files) load the folder as written.

import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const SPECIAL_TOKENS_FILE = 'special_tokens_map.json';

/** The parts of a tokenizer.json this reads. */
export interface TokenizerJson {
  added_tokens?: { id?: number; content: string; special?: boolean }[];
  normalizer?: { type?: string; lowercase?: boolean; normalizers?: { type?: string; lowercase?: boolean }[] } | null;
  pre_tokenizer?: { type?: string; add_prefix_space?: boolean; pretokenizers?: { type?: string; add_prefix_space?: boolean }[] } | null;
  padding?: { pad_token?: string } | null;
  model: { type: string; unk_token?: string | null };
}

/** The parts of a config.json this reads. */
interface ModelConfigJson {
  model_type?: string;
  max_position_embeddings?: number;
  n_positions?: number;
}

type SpecialTokenRole = 'bos_token' | 'eos_token' | 'unk_token' | 'sep_token' | 'pad_token' | 'cls_token' | 'mask_token';

/** Hugging Face's tokenizer class for each architecture TuneQL runs; the fast class of each loads tokenizer.json. */
const TOKENIZER_CLASS: Record<string, string> = {
  bert: 'BertTokenizer',
  distilbert: 'DistilBertTokenizer',
  roberta: 'RobertaTokenizer',
  gpt2: 'GPT2Tokenizer',
  llama: 'LlamaTokenizer',
};

/** Which special token plays each role, recognised by the names the common vocabularies use. */
const ROLE_PATTERNS: [SpecialTokenRole, RegExp][] = [
  ['cls_token', /^(\[CLS\]|<s>|<cls>)$/i],
  ['sep_token', /^(\[SEP\]|<\/s>|<sep>)$/i],
  ['pad_token', /^(\[PAD\]|<pad>|<\|pad\|>)$/i],
  ['unk_token', /^(\[UNK\]|<unk>)$/i],
  ['mask_token', /^(\[MASK\]|<mask>)$/i],
  ['bos_token', /^(<s>|<\|begin_of_text\|>|<\|startoftext\|>|<bos>)$/i],
  ['eos_token', /^(<\/s>|<\|end_of_text\|>|<\|eot_id\|>|<eos>)$/i],
];

function flattened<T extends { type?: string }>(node: (T & { normalizers?: T[]; pretokenizers?: T[] }) | null | undefined): T[] {
  if (!node) return [];
  return [node, ...(node.normalizers ?? []), ...(node.pretokenizers ?? [])];
}

/** special_tokens_map.json's content: each role's token, from tokenizer.json's special tokens. */
export function specialTokensOf(tokenizer: TokenizerJson): Partial<Record<SpecialTokenRole, string>> {
  const specials = (tokenizer.added_tokens ?? []).filter((t) => t.special).map((t) => t.content);
  const roles: Partial<Record<SpecialTokenRole, string>> = {};
  for (const [role, pattern] of ROLE_PATTERNS) {
    const token = specials.find((t) => pattern.test(t));
    if (token) roles[role] = token;
  }
  if (tokenizer.model.unk_token) roles.unk_token = tokenizer.model.unk_token;
  if (tokenizer.padding?.pad_token) roles.pad_token = tokenizer.padding.pad_token;
  // GPT-2's single special token is its start, end and unknown token at once, as transformers defines it.
  const endOfText = specials.find((t) => t === '<|endoftext|>');
  if (endOfText) {
    roles.bos_token ??= endOfText;
    roles.eos_token ??= endOfText;
    roles.unk_token ??= endOfText;
  }
  return roles;
}

/** tokenizer_config.json's content for a tokenizer.json and its model's config.json. */
export function tokenizerConfigOf(tokenizer: TokenizerJson, config: ModelConfigJson): Record<string, unknown> {
  const byteLevel = flattened(tokenizer.pre_tokenizer).find((p) => p.type === 'ByteLevel');
  const lowercase = flattened(tokenizer.normalizer).some((n) => n.type === 'Lowercase' || n.lowercase === true);
  const tokenizerClass =
    TOKENIZER_CLASS[config.model_type ?? ''] ??
    (tokenizer.model.type === 'WordPiece' ? 'BertTokenizer' : byteLevel ? 'GPT2Tokenizer' : 'PreTrainedTokenizerFast');
  const maxLength = config.max_position_embeddings ?? config.n_positions;
  return {
    tokenizer_class: tokenizerClass,
    ...(maxLength ? { model_max_length: maxLength } : {}),
    ...(tokenizer.model.type === 'WordPiece' ? { do_lower_case: lowercase } : {}),
    ...(byteLevel ? { add_prefix_space: byteLevel.add_prefix_space ?? false } : {}),
    clean_up_tokenization_spaces: false,
    ...specialTokensOf(tokenizer),
  };
}

/**
 * Writes tokenizer_config.json and special_tokens_map.json into `dir`, beside the tokenizer.json copied
 * from `tokenizerFile`: the files next to that tokenizer.json when the base model has them, else derived.
 * `chatTemplate`, when given, becomes tokenizer_config.json's `chat_template` unless the base's file has
 * one: the template TuneQL rendered conversations with, so transformers' apply_chat_template renders
 * the same text.
 */
export async function writeTokenizerConfig(dir: string, tokenizerFile: string, chatTemplate?: string): Promise<void> {
  const base = dirname(tokenizerFile);
  const tokenizer = JSON.parse(readFileSync(tokenizerFile, 'utf8')) as TokenizerJson;
  const configFile = join(dir, 'config.json');
  const baseConfig = join(base, 'config.json');
  const modelConfig = JSON.parse(
    readFileSync(existsSync(configFile) ? configFile : existsSync(baseConfig) ? baseConfig : tokenizerFile, 'utf8'),
  ) as ModelConfigJson;
  const own = (name: string) => (existsSync(join(base, name)) ? readFileSync(join(base, name), 'utf8') : undefined);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  let config = own(TOKENIZER_CONFIG_FILE) ?? json(tokenizerConfigOf(tokenizer, modelConfig));
  if (chatTemplate !== undefined) {
    const parsed = JSON.parse(config) as Record<string, unknown>;
    // The base's own template stays byte for byte as it was.
    if (parsed.chat_template === undefined) config = json({ ...parsed, chat_template: chatTemplate });
  }
  await writeFile(join(dir, TOKENIZER_CONFIG_FILE), config);
  await writeFile(join(dir, SPECIAL_TOKENS_FILE), own(SPECIAL_TOKENS_FILE) ?? json(specialTokensOf(tokenizer)));
}
