// Predictions of a fine-tuned model and of its base, side by side.

import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { TaskEnum } from '../../graphql/api-enums.ts';
import { Generation, GenerationInput } from './generation.type.ts';

@InputType()
export class PredictInputItem {
  @Field(() => String)
  text!: string;

  @Field(() => String, { nullable: true, description: 'Second text of a pair, or the context (question answering: text is the question).' })
  pair?: string;
}

@ObjectType()
export class LabelScore {
  @Field(() => String)
  label!: string;

  @Field(() => Float)
  score!: number;
}

@ObjectType()
export class WordTag {
  @Field(() => String)
  word!: string;

  @Field(() => String)
  tag!: string;

  @Field(() => Float)
  score!: number;
}

@ObjectType()
export class AnswerSpan {
  @Field(() => String)
  text!: string;

  @Field(() => Int)
  start!: number;

  @Field(() => Int)
  end!: number;

  @Field(() => Float)
  score!: number;
}

@ObjectType()
export class TokenScore {
  @Field(() => String)
  token!: string;

  @Field(() => Float)
  score!: number;
}

@ObjectType({ description: 'What a model predicts for one input; the fields of its task are set.' })
export class PredictionResult {
  @Field(() => TaskEnum)
  task!: string;

  @Field(() => [LabelScore], { nullable: true, description: 'Classification, best first.' })
  labels?: LabelScore[];

  @Field(() => Float, { nullable: true, description: 'Regression.' })
  value?: number;

  @Field(() => [WordTag], { nullable: true })
  words?: WordTag[];

  @Field(() => AnswerSpan, { nullable: true })
  answer?: AnswerSpan;

  @Field(() => [[TokenScore]], { nullable: true, description: 'Masked LM: candidates per mask.' })
  fills?: TokenScore[][];

  @Field(() => String, { nullable: true, description: 'Causal LM: the generated text (cut before a stop string).' })
  continuation?: string;

  @Field(() => Generation, { nullable: true, description: 'Causal LM: how the continuation was generated.' })
  generation?: Generation;
}

@ObjectType()
export class PredictionPair {
  @Field(() => String)
  text!: string;

  @Field(() => PredictionResult, { description: 'The fine-tuned model.' })
  tuned!: PredictionResult;

  @Field(() => PredictionResult, {
    nullable: true,
    description: 'The base model with the same (untrained) task head, seeded as the run was.',
  })
  base!: PredictionResult | null;
}

@InputType()
export class PredictInput {
  @Field(() => ID, { description: 'A run that has SUCCEEDED.' })
  runId!: string;

  @Field(() => [PredictInputItem], { description: 'Up to 64 texts.' })
  inputs!: PredictInputItem[];

  @Field(() => Boolean, { defaultValue: true, description: 'Run the base model too, for comparison.' })
  compareBase!: boolean;

  @Field(() => GenerationInput, {
    nullable: true,
    description:
      'Causal LM: how to generate (greedy, 20 new tokens, when left out); the base model generates with the same settings and seed.',
  })
  generation?: GenerationInput | null;
}

@ObjectType()
export class PredictPayload {
  @Field(() => [PredictionPair], { description: 'One per input, in order.' })
  predictions!: PredictionPair[];
}
