// Chat templates: a model's `chat_template` (tokenizer_config.json) or the default one, rendered with
// @huggingface/jinja the way transformers' apply_chat_template renders it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';

/** One turn of a conversation, as OpenAI's and Hugging Face's chat formats write it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** The roles a conversation dataset may use. */
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;

/**
 * The template for models whose tokenizer_config.json has none: ChatML (`<|im_start|>role\ncontent<|im_end|>\n`),
 * the format transformers used as its default, and which needs no special tokens in the vocabulary. A
 * turn ends with `<|im_end|>`: generation stops on it as a stop string (DEFAULT_CHAT_STOP).
 */
export const DEFAULT_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** What ends an assistant turn under DEFAULT_CHAT_TEMPLATE; a generation stop string for models that use it. */
export const DEFAULT_CHAT_STOP = '<|im_end|>';

/** A chat template with what it needs to render: its source, where it came from, and the tokens it may name. */
export interface ChatTemplate {
  /** The Jinja source. */
  source: string;
  /** Where it came from, for messages: `models/x/tokenizer_config.json` or `the default chat template`. */
  name: string;
  /** bos_token, eos_token, pad_token...: the variables transformers passes the template. */
  specialTokens: Record<string, string>;
  /**
   * True when this is DEFAULT_CHAT_TEMPLATE: the model has no template of its own, or its tokenizer_config.json holds
   * the default one (an export of a model that had none writes it there). Its turns end with the text `<|im_end|>`.
   */
  isDefault: boolean;
}

export type ChatTemplateErrorCode = 'CHAT_TEMPLATE_INVALID' | 'CHAT_TEMPLATE_FAILED';

/**
 * A template that cannot be parsed (CHAT_TEMPLATE_INVALID) or that fails on a conversation
 * (CHAT_TEMPLATE_FAILED, e.g. its own raise_exception), naming the template and, when given, the row.
 */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
  readonly code: ChatTemplateErrorCode;
  readonly template: string;
  constructor(code: ChatTemplateErrorCode, template: string, message: string) {
    super(message);
    this.code = code;
    this.template = template;
  }
}

export const DEFAULT_TEMPLATE_NAME = 'the default chat template (ChatML)';

/** DEFAULT_CHAT_TEMPLATE with no special tokens. */
export function defaultChatTemplate(specialTokens: Record<string, string> = {}): ChatTemplate {
  return { source: DEFAULT_CHAT_TEMPLATE, name: DEFAULT_TEMPLATE_NAME, specialTokens, isDefault: true };
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

/**
 * The chat template of the model folder `dir`: tokenizer_config.json's `chat_template` (a string, or
 * a list of named templates of which the one named `default` is taken, as transformers does), else
 * DEFAULT_CHAT_TEMPLATE; with the special tokens the file names (strings or AddedToken objects).
 */
export function readChatTemplate(dir: string): ChatTemplate {
  const file = join(dir, 'tokenizer_config.json');
  if (!existsSync(file)) return defaultChatTemplate();
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ChatTemplateError('CHAT_TEMPLATE_INVALID', file, `${file}: not valid JSON (${(err as Error).message})`);
  }
  const specialTokens: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const v = config[key];
    const content = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? (v as { content?: unknown }).content : undefined;
    if (typeof content === 'string') specialTokens[key] = content;
  }
  const raw = config.chat_template;
  if (raw === undefined || raw === null) return defaultChatTemplate(specialTokens);
  let source: unknown = raw;
  if (Array.isArray(raw)) {
    const named = raw.find((t) => (t as { name?: unknown })?.name === 'default') as { template?: unknown } | undefined;
    source = named?.template;
    if (typeof source !== 'string') {
      throw new ChatTemplateError(
        'CHAT_TEMPLATE_INVALID',
        file,
        `${file}: chat_template is a list without a template named 'default'; TuneQL renders the default one`,
      );
    }
  }
  if (typeof source !== 'string' || source.trim() === '') {
    throw new ChatTemplateError('CHAT_TEMPLATE_INVALID', file, `${file}: chat_template must be a Jinja template string`);
  }
  // An export of a model without a template carries the default one: it still ends turns with text, not a token.
  const template: ChatTemplate = { source, name: file, specialTokens, isDefault: source === DEFAULT_CHAT_TEMPLATE };
  compiled(template);
  return template;
}

/** Parsed templates by source: a dataset renders every row with the same one. */
const parsedTemplates = new Map<string, Template>();

function compiled(template: ChatTemplate): Template {
  let parsed = parsedTemplates.get(template.source);
  if (parsed) return parsed;
  try {
    parsed = new Template(template.source);
  } catch (err) {
    throw new ChatTemplateError(
      'CHAT_TEMPLATE_INVALID',
      template.name,
      `${template.name}: the chat template does not parse: ${(err as Error).message}`,
    );
  }
  if (parsedTemplates.size >= 32) parsedTemplates.clear();
  parsedTemplates.set(template.source, parsed);
  return parsed;
}

export interface RenderChatOptions {
  /** The template; DEFAULT_CHAT_TEMPLATE when absent. */
  template?: ChatTemplate;
  /** End with the opening of an assistant turn, for generation (transformers' add_generation_prompt). @default false */
  addGenerationPrompt?: boolean;
  /** Where the conversation comes from, for error messages (`train.jsonl line 7`). */
  where?: string;
}

/**
 * Renders a conversation into the model's prompt text with its chat template, as transformers'
 * apply_chat_template(messages, tokenize=False, add_generation_prompt=...) does. The text is then
 * tokenized as it is (the template writes any bos token itself). A template that fails throws a
 * ChatTemplateError naming the template and `where`.
 */
export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  const template = options.template ?? defaultChatTemplate();
  const parsed = compiled(template);
  try {
    return parsed.render({
      ...template.specialTokens,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  } catch (err) {
    const at = options.where ? ` (${options.where})` : '';
    throw new ChatTemplateError(
      'CHAT_TEMPLATE_FAILED',
      template.name,
      `${template.name}: the chat template fails to render${at}: ${(err as Error).message}`,
    );
  }
}
