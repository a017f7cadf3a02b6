// Chat templates render as transformers renders them (expected texts from Python's jinja2 sandbox with
// transformers' settings: trim_blocks, lstrip_blocks, raise_exception), and fail with coded errors.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConversation } from './assistant-spans.ts';
import {
  type ChatMessage,
  ChatTemplateError,
  DEFAULT_CHAT_TEMPLATE,
  defaultChatTemplate,
  readChatTemplate,
  renderChat,
} from './template.ts';

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You answer briefly.' },
  { role: 'user', content: 'Who is Emma?' },
  { role: 'assistant', content: 'Emma Woodhouse.' },
  { role: 'user', content: 'And Mr Knightley?' },
];

/** Zephyr's template (HuggingFaceH4/zephyr-7b-beta), written over several lines as it is there. */
const ZEPHYR =
  "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

function modelDir(config: Record<string, unknown> | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-chat-'));
  writeFileSync(join(dir, 'tokenizer_config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

describe('renderChat', () => {
  it('renders the default (ChatML) template as jinja2 does', () => {
    expect(renderChat(MESSAGES)).toBe(
      '<|im_start|>system\nYou answer briefly.<|im_end|>\n<|im_start|>user\nWho is Emma?<|im_end|>\n<|im_start|>assistant\nEmma Woodhouse.<|im_end|>\n<|im_start|>user\nAnd Mr Knightley?<|im_end|>\n',
    );
    expect(renderChat(MESSAGES, { addGenerationPrompt: true }).endsWith('And Mr Knightley?<|im_end|>\n<|im_start|>assistant\n')).toBe(true);
  });

  it("renders a model's own template from tokenizer_config.json with its special tokens, as jinja2 does", () => {
    const dir = modelDir({ chat_template: ZEPHYR, eos_token: { content: '</s>', special: true }, bos_token: '<s>' });
    const template = readChatTemplate(dir);
    expect(template.isDefault).toBe(false);
    expect(template.specialTokens).toEqual({ eos_token: '</s>', bos_token: '<s>' });
    const expected =
      '<|system|>\nYou answer briefly.</s>\n<|user|>\nWho is Emma?</s>\n<|assistant|>\nEmma Woodhouse.</s>\n<|user|>\nAnd Mr Knightley?</s>\n';
    expect(renderChat(MESSAGES, { template })).toBe(expected);
    expect(renderChat(MESSAGES, { template, addGenerationPrompt: true })).toBe(`${expected}<|assistant|>\n`);
  });

  it("takes the template named 'default' from a list, and the default template when the file has none", () => {
    const listed = readChatTemplate(
      modelDir({
        chat_template: [
          { name: 'tool_use', template: 'x' },
          { name: 'default', template: ZEPHYR },
        ],
      }),
    );
    expect(listed.source).toBe(ZEPHYR);
    const none = readChatTemplate(modelDir({ eos_token: '</s>' }));
    expect(none.isDefault).toBe(true);
    expect(none.source).toBe(DEFAULT_CHAT_TEMPLATE);
    expect(readChatTemplate(mkdtempSync(join(tmpdir(), 'tuneql-chat-'))).isDefault).toBe(true);
  });

  it('knows the default template in a tokenizer_config.json (an export of a model that had none), whose turns end in text', () => {
    const exported = readChatTemplate(modelDir({ chat_template: DEFAULT_CHAT_TEMPLATE, eos_token: '<|endoftext|>' }));
    expect(exported.isDefault).toBe(true);
    expect(exported.specialTokens.eos_token).toBe('<|endoftext|>');
    expect(readChatTemplate(modelDir({ chat_template: ZEPHYR })).isDefault).toBe(false);
  });

  it('answers a template that does not parse, or fails on a conversation, with a coded error naming it and the row', () => {
    const dir = modelDir({ chat_template: '{% for m in messages %}{{ m.content }' });
    const err = (() => {
      try {
        readChatTemplate(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ChatTemplateError);
    expect((err as ChatTemplateError).code).toBe('CHAT_TEMPLATE_INVALID');
    expect((err as ChatTemplateError).message).toContain(join(dir, 'tokenizer_config.json'));

    const strict = readChatTemplate(
      modelDir({
        chat_template: "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with the user') }}{% endif %}",
      }),
    );
    expect(() => renderChat(MESSAGES, { template: strict, where: 'train.jsonl line 7' })).toThrow(
      /fails to render \(train\.jsonl line 7\): Conversations must start with the user/,
    );
    try {
      renderChat(MESSAGES, { template: strict });
    } catch (e) {
      expect((e as ChatTemplateError).code).toBe('CHAT_TEMPLATE_FAILED');
    }
  });
});

describe('renderConversation', () => {
  const conversation: ChatMessage[] = [...MESSAGES, { role: 'assistant', content: 'His neighbour.' }];

  it("spans each assistant reply with the template's end of turn, and nothing else", () => {
    const { text, assistantSpans } = renderConversation(conversation);
    expect(assistantSpans.map(([a, b]) => text.slice(a, b))).toEqual(['Emma Woodhouse.<|im_end|>\n', 'His neighbour.<|im_end|>\n']);
    const zephyr = { ...defaultChatTemplate({ eos_token: '</s>' }), source: ZEPHYR, name: 'zephyr', isDefault: false };
    const z = renderConversation(conversation, { template: zephyr });
    expect(z.assistantSpans.map(([a, b]) => z.text.slice(a, b))).toEqual(['Emma Woodhouse.</s>\n', 'His neighbour.</s>\n']);
  });

  it("falls back to the reply's own text when a template's renders are not prefixes of each other", () => {
    // Writes a turn count up front, so every shorter render differs from the start.
    const counting = {
      ...defaultChatTemplate(),
      source: '{{ messages|length }}:{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}',
      name: 'counting',
    };
    const { text, assistantSpans } = renderConversation(conversation, { template: counting });
    expect(assistantSpans.map(([a, b]) => text.slice(a, b))).toEqual(['Emma Woodhouse.', 'His neighbour.']);
  });
});
