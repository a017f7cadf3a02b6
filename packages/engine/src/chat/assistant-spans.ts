// Which characters of a rendered conversation are the assistant's, so training puts the loss on them alone.

import { type ChatMessage, ChatTemplateError, type RenderChatOptions, renderChat } from './template.ts';

export interface RenderedConversation {
  /** The whole conversation as the template writes it (no generation prompt). */
  text: string;
  /** [start, end) in UTF-16 code units of `text`: each assistant turn's part, in order. */
  assistantSpans: [number, number][];
}

/**
 * Renders a conversation for training and finds each assistant turn in the text. A turn's span runs
 * from the end of the prompt that asks for it (the turns before it, with the generation prompt) to
 * the end of the conversation rendered up to and including it, so it holds the reply and whatever the
 * template closes a turn with (`<|im_end|>`, an eos token): what the model must write to answer and
 * then stop. Templates whose renders are not prefixes of each other (some rewrite earlier turns)
 * fall back to the reply's own text, found in order; a template that does not write a reply at all
 * is a ChatTemplateError.
 */
export function renderConversation(
  messages: readonly ChatMessage[],
  options: Omit<RenderChatOptions, 'addGenerationPrompt'> = {},
): RenderedConversation {
  const text = renderChat(messages, options);
  const assistantSpans: [number, number][] = [];
  let cursor = 0;
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    let span = prefixSpan(messages, i, text, options);
    if (span === undefined || span[0] < cursor) {
      const at = findContent(text, message.content, cursor);
      if (at === undefined) {
        const name = options.template?.name ?? 'the default chat template';
        const where = options.where ? ` (${options.where})` : '';
        throw new ChatTemplateError(
          'CHAT_TEMPLATE_FAILED',
          name,
          `${name}: the rendered conversation does not contain message ${i}'s text${where}, so its tokens cannot be told apart for the loss`,
        );
      }
      span = at;
    }
    assistantSpans.push(span);
    cursor = span[1];
  });
  return { text, assistantSpans };
}

/** The span of assistant turn `i` by prefix renders, or undefined when the renders are not prefixes of `text`. */
function prefixSpan(messages: readonly ChatMessage[], i: number, text: string, options: RenderChatOptions): [number, number] | undefined {
  let before: string;
  let through: string;
  try {
    before = renderChat(messages.slice(0, i), { ...options, addGenerationPrompt: true });
    through = renderChat(messages.slice(0, i + 1), { ...options, addGenerationPrompt: false });
  } catch {
    // Templates may refuse partial conversations (one that starts with the assistant, say); the fallback still works.
    return undefined;
  }
  if (!text.startsWith(before) || !text.startsWith(through) || through.length <= before.length) return undefined;
  return [before.length, through.length];
}

/** The content's span at or after `from`, also when the template trims it. */
function findContent(text: string, content: string, from: number): [number, number] | undefined {
  for (const c of [content, content.trim()]) {
    if (c === '') continue;
    const at = text.indexOf(c, from);
    if (at >= 0) return [at, at + c.length];
  }
  return undefined;
}
