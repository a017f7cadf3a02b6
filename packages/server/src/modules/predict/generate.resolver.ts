// Generate: a causal-LM run's fine-tuned model (or its base) continues a prompt or answers a conversation,
// streamed token by token over graphql-ws.

import { type ChatMessage, ChatTemplateError, DEFAULT_CHAT_STOP, readChatTemplate, renderChat } from '@tuneql/engine';
import { Arg, Authorized, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import { AppError, CommonErrorCode } from '../../graphql/errors.ts';
import { Predictor } from '../../predict/predictor.ts';
import {
  baseFolder,
  generationOptionsOf,
  requireCausalLm,
  rethrowAsField,
  type StreamItem,
  streamGeneration,
  succeededRun,
  tunedFolder,
} from './generation.service.ts';
import { GENERATION_BOUNDS, GenerateInput, GenerationEvent } from './generation.type.ts';

/** The conversation `input.messages` holds, checked: no empty turn, within the bounds. */
function checkedMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  if (messages.length === 0 || messages.length > GENERATION_BOUNDS.messages) {
    throw new AppError(CommonErrorCode.BAD_USER_INPUT, `give 1 to ${GENERATION_BOUNDS.messages} messages; got ${messages.length}`, {
      field: 'input.messages',
    });
  }
  // Roles are an enum: GraphQL has refused unknown ones already.
  messages.forEach((m, i) => {
    if (m.content.trim() === '') {
      throw new AppError(CommonErrorCode.BAD_USER_INPUT, `message ${i} (${m.role}) is empty: give it some text, or leave it out`, {
        field: `input.messages[${i}].content`,
      });
    }
  });
  return messages.map((m) => ({ role: m.role, content: m.content }));
}

/** Exactly one of prompt and messages, within the size bound. */
function checkedSource(input: GenerateInput): { prompt: string } | { messages: ChatMessage[] } {
  const hasPrompt = input.prompt !== null && input.prompt !== undefined;
  const hasMessages = input.messages !== null && input.messages !== undefined;
  if (hasPrompt === hasMessages) {
    throw new AppError(
      CommonErrorCode.BAD_USER_INPUT,
      'give either prompt (a text to continue) or messages (a conversation), not both or neither',
      {
        field: 'input.prompt',
      },
    );
  }
  const chars = hasPrompt ? (input.prompt as string).length : (input.messages ?? []).reduce((n, m) => n + m.content.length, 0);
  if (chars > GENERATION_BOUNDS.promptChars) {
    throw new AppError(
      CommonErrorCode.BAD_USER_INPUT,
      `the ${hasPrompt ? 'prompt' : 'conversation'} is ${chars} characters; at most ${GENERATION_BOUNDS.promptChars} are allowed`,
      { field: hasPrompt ? 'input.prompt' : 'input.messages' },
    );
  }
  return hasPrompt ? { prompt: input.prompt as string } : { messages: checkedMessages(input.messages ?? []) };
}

@Resolver()
export class GenerateResolver {
  @Authorized('read')
  @Subscription(() => GenerationEvent, {
    description:
      "A causal-LM run's fine-tuned model (or, with model: BASE, its base) continues the prompt, or answers the conversation in messages (rendered with the model's chat template): a TOKEN event as each token is generated, then FINISHED. Every input is checked before generation starts; leaving the subscription stops it.",
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const input = args.input as GenerateInput;
      // Counted as a predict call, before anything is looked up, so a refused call costs the server nothing.
      await ctx.rateLimits.consume('predict', ctx.client);
      let options = generationOptionsOf(input.generation);
      const source = checkedSource(input);
      const run = await succeededRun(ctx, input.runId);
      requireCausalLm(run, 'input.runId');
      const done = ctx.rateLimits.startPredicting();
      let predictor: Predictor | undefined;
      try {
        const tuned = await tunedFolder(ctx, run);
        predictor = await Predictor.open(input.model === 'base' ? await baseFolder(ctx, run, tuned) : tuned);
        let prompt: string;
        if ('prompt' in source) prompt = source.prompt;
        else {
          const template = readChatTemplate(predictor.dir);
          prompt = renderChat(source.messages, { template, addGenerationPrompt: true, where: 'input.messages' });
          // The default template ends a turn with text, not a token the model's end of sequence would stop at.
          if (template.isDefault && !options.stop?.includes(DEFAULT_CHAT_STOP))
            options = { ...options, stop: [...(options.stop ?? []), DEFAULT_CHAT_STOP] };
        }
        let ids: number[];
        try {
          ids = predictor.promptIds(prompt);
        } catch (err) {
          rethrowAsField(err);
        }
        const open = predictor;
        return streamGeneration(
          open,
          ids,
          options,
          async () => {
            await open.close();
            done();
          },
          ctx.signal,
        );
      } catch (err) {
        await predictor?.close();
        done();
        if (err instanceof ChatTemplateError)
          throw new AppError(err.code, err.message, { template: err.template, field: 'input.messages' });
        throw err;
      }
    },
  })
  generate(@Root() item: StreamItem, @Arg('input', () => GenerateInput) _input: GenerateInput): GenerationEvent {
    // An error during generation ends the stream with that error (its code mapped as every other), not the socket.
    if ('error' in item) throw item.error;
    return item;
  }
}
