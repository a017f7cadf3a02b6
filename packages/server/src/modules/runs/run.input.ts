// What a client sends to create (or estimate) a run.

import { type CamelKeys, DEFAULT_SEED, SeedSchema, type TrainerSettingsInput, TrainerSettingsSchema } from '@tuneql/engine';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';
import { DeviceEnum, TaskEnum } from '../../graphql/api-enums.ts';
import { idInput } from '../../graphql/mutation.ts';
import { inputTypeOf } from '../../graphql/zod-input.ts';
import { DataSpecSchema, DeviceSchema } from '../../training/run-spec.ts';
import { RunStatus } from './run.type.ts';

/** The trainer settings, made from the engine's TrainerSettingsSchema: every `training:` key of a config file, camelCased. */
export const HyperparametersInput = inputTypeOf(
  'HyperparametersInput',
  TrainerSettingsSchema,
  "Trainer settings: the `training:` section of a `tuneql train` config under camelCase names; each one left out takes the strategy's suggestion, else the default shown.",
);
export type HyperparametersInput = CamelKeys<TrainerSettingsInput>;

const DEFAULT_MAX_LENGTH: number = DataSpecSchema.shape.max_length.parse(undefined);

@InputType()
export class CreateRunInput {
  @Field(() => String, { nullable: true, description: '@default "<strategy> on <dataset>"' })
  name?: string;

  @Field(() => ID)
  modelId!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => TaskEnum, { nullable: true, description: "@default the dataset's task" })
  task?: string;

  @Field(() => String, { defaultValue: 'full', description: 'A strategy id from the strategies query.' })
  strategy!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "The strategy's config, checked against its JSON Schema." })
  strategyConfig?: Record<string, unknown>;

  @Field(() => HyperparametersInput, { nullable: true })
  hyperparameters?: HyperparametersInput;

  @Field(() => Int, { defaultValue: DEFAULT_SEED, description: SeedSchema.description })
  seed!: number;

  @Field(() => DeviceEnum, { defaultValue: DeviceSchema.parse(undefined) })
  device!: string;

  @Field(() => Int, { defaultValue: DEFAULT_MAX_LENGTH, description: DataSpecSchema.shape.max_length.description })
  maxLength!: number;
}

@InputType()
export class RunFilter {
  @Field(() => [RunStatus], { nullable: true })
  status?: RunStatus[];

  @Field(() => String, { nullable: true })
  strategy?: string;

  @Field(() => ID, { nullable: true })
  modelId?: string;

  @Field(() => ID, { nullable: true })
  datasetId?: string;
}

export const CancelRunInput = idInput('CancelRunInput', 'The run to cancel.');
export const ResumeRunInput = idInput('ResumeRunInput', 'The cancelled or failed run to queue again.');
export const DeleteRunInput = idInput('DeleteRunInput', 'The finished run to delete, with its events, checkpoints and exports.');
