// Generation in the API: the settings a causal LM generates with (on predict and generate), what it returns,
// and the events the generate subscription streams.

import { CHAT_ROLES, GENERATION_DEFAULTS } from '@tuneql/engine';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { FinishReasonEnum } from '../../graphql/api-enums.ts';
import { graphqlEnum } from '../../graphql/enums.ts';

/** Declared bounds of a generation request (decision 0014's habit: every size a client sends has one). */
export const GENERATION_BOUNDS = {
  /** Tokens one request may ask for; the model's longest sequence usually ends it sooner. */
  maxNewTokens: 4096,
  /** Stop strings, and the characters of each. */
  stopStrings: 16,
  stopChars: 200,
  /** Characters of a prompt, or of a conversation's messages together (a context of 262,144 tokens is about this). */
  promptChars: 1_000_000,
  /** Messages in a conversation. */
  messages: 1000,
  /** Seeds a GraphQL Int holds. */
  seed: 2 ** 31,
} as const;

@InputType({
  description:
    "How a causal LM generates: Hugging Face GenerationConfig's names. Greedy unless temperature, topK or topP is given (or doSample); always stops at the model's end-of-sequence token.",
})
export class GenerationInput {
  @Field(() => Int, {
    nullable: true,
    description: `Tokens to generate at most, 1 to ${GENERATION_BOUNDS.maxNewTokens} (fewer at the model's longest sequence). @default ${GENERATION_DEFAULTS.maxNewTokens}`,
  })
  maxNewTokens?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Sample rather than take the likeliest token. @default true when temperature, topK or topP is given',
  })
  doSample?: boolean | null;

  @Field(() => Float, {
    nullable: true,
    description: `Divides the logits before sampling, >= 0; 0 is greedy. @default ${GENERATION_DEFAULTS.temperature}`,
  })
  temperature?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `Sample among the k likeliest tokens, >= 0; 0 is off. @default ${GENERATION_DEFAULTS.topK}`,
  })
  topK?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: `Sample among the fewest likeliest tokens whose probability reaches p, in (0, 1]; 1 is off. @default ${GENERATION_DEFAULTS.topP}`,
  })
  topP?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: `A seen token's positive logit divided by this, a negative one multiplied; > 0, 1 is off. @default ${GENERATION_DEFAULTS.repetitionPenalty}`,
  })
  repetitionPenalty?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Seed of the sampler, >= 0: the same seed gives the same tokens. @default a random one, returned in Generation.seed',
  })
  seed?: number | null;

  @Field(() => [String], {
    nullable: true,
    description: `Stop when the continuation contains one of these (at most ${GENERATION_BOUNDS.stopStrings}, ${GENERATION_BOUNDS.stopChars} characters each); the text is cut before it.`,
  })
  stop?: string[] | null;
}

@ObjectType({ description: "How a causal LM's continuation was generated." })
export class Generation {
  @Field(() => FinishReasonEnum)
  finishReason!: string;

  @Field(() => [Int], { description: 'The generated token ids, the end-of-sequence token that ended it included.' })
  tokenIds!: number[];

  @Field(() => Int, { description: 'Tokens of the prompt (as rendered by the chat template, for messages).' })
  promptTokens!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'The seed a sampled continuation used (null when greedy): give it again to reproduce it.',
  })
  seed?: number | null;
}

export const GenerationModelEnum = graphqlEnum(
  'GenerationModel',
  ['tuned', 'base'] as const,
  "TUNED: the run's fine-tuned model; BASE: the model it started from.",
);

export const ChatRoleEnum = graphqlEnum('ChatRole', CHAT_ROLES, 'Who speaks a turn of a conversation.');

@InputType({ description: 'One turn of a conversation.' })
export class ChatMessageInput {
  @Field(() => ChatRoleEnum)
  role!: (typeof CHAT_ROLES)[number];

  @Field(() => String)
  content!: string;
}

@InputType()
export class GenerateInput {
  @Field(() => ID, { description: 'A causal-LM run that has SUCCEEDED.' })
  runId!: string;

  @Field(() => GenerationModelEnum, { defaultValue: 'tuned', description: 'Which model generates.' })
  model!: 'tuned' | 'base';

  @Field(() => String, { nullable: true, description: 'The text to continue; give this or messages.' })
  prompt?: string | null;

  @Field(() => [ChatMessageInput], {
    nullable: true,
    description: "A conversation, rendered with the model's chat template and followed by the assistant's turn; give this or prompt.",
  })
  messages?: ChatMessageInput[] | null;

  @Field(() => GenerationInput, { nullable: true })
  generation?: GenerationInput | null;
}

export const GenerationEventTypeEnum = graphqlEnum(
  'GenerationEventType',
  ['token', 'finished'] as const,
  'TOKEN for each token as it is generated, then one FINISHED.',
);

@ObjectType({ description: 'A step of a streamed generation.' })
export class GenerationEvent {
  @Field(() => GenerationEventTypeEnum)
  type!: 'token' | 'finished';

  @Field(() => Int, { description: "TOKEN: the token's position in the continuation (0 first); FINISHED: the tokens generated." })
  index!: number;

  @Field(() => Int, { nullable: true, description: 'TOKEN: the token id.' })
  tokenId?: number | null;

  @Field(() => String, {
    description:
      'The text this event adds: the texts of every event, in order, make the continuation. Empty while a character is incomplete or the text may be the beginning of a stop string.',
  })
  text!: string;

  @Field(() => String, { nullable: true, description: 'FINISHED: the whole continuation (cut before a stop string).' })
  continuation?: string | null;

  @Field(() => Generation, { nullable: true, description: 'FINISHED: how it ended.' })
  generation?: Generation | null;
}
