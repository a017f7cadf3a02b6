// The Strategy type of the API: a loaded built-in or plugin with the JSON Schema of its config.

import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { TaskEnum } from '../../graphql/api-enums.ts';
import { connectionType } from '../../graphql/connection.ts';

@ObjectType({ description: 'A fine-tuning strategy (built-in or plugin).' })
export class Strategy {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => String)
  version!: string;

  @Field(() => String, { description: 'builtin, or the package it was loaded from.' })
  source!: string;

  @Field(() => [TaskEnum])
  tasks!: string[];

  @Field(() => [String], { description: "Model types it supports; '*' for all." })
  architectures!: string[];

  @Field(() => GraphQLJSONObject, { description: 'Config defaults and suggested trainer settings.' })
  defaults!: Record<string, unknown>;

  @Field(() => GraphQLJSON, { description: "JSON Schema of the strategy's config (the console builds its form from it)." })
  configSchema!: unknown;
}

export const StrategyConnection = connectionType(Strategy);
