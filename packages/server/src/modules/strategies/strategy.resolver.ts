// Strategies: the built-ins and loaded plugins, each with its config schema and defaults.

import type { Strategy as StrategyDefinition, StrategyRegistry } from '@tuneql/adapters';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { arrayKeyset, type Connection, ConnectionArgs, PAGE, paginate } from '../../graphql/connection.ts';
import type { RequestContext } from '../../graphql/context.ts';
import { runSettingsJsonSchema } from '../runs/run-settings.ts';
import { Strategy, StrategyConnection } from './strategy.type.ts';

function toType(registry: StrategyRegistry, s: StrategyDefinition): Strategy {
  return {
    id: s.id,
    name: s.id,
    description: s.description,
    version: s.version,
    source: registry.sourceOf(s.id) ?? 'builtin',
    tasks: [...s.tasks],
    architectures: [...s.architectures],
    defaults: { ...s.defaults },
    configSchema: registry.jsonSchema(s.id),
  };
}

@Resolver(() => Strategy)
export class StrategyResolver {
  @Authorized('read')
  @Query(() => StrategyConnection, { description: 'Built-ins and plugins, by id.' })
  strategies(@Ctx() ctx: RequestContext, @Args(() => ConnectionArgs) page: ConnectionArgs): Promise<Connection<Strategy>> {
    const registry = ctx.services.strategies;
    return paginate(
      arrayKeyset('strategies', registry.list(), (s) => s.id),
      page,
      PAGE,
      (rows) => rows.map((s) => toType(registry, s)),
    );
  }

  @Authorized('read')
  @Query(() => Strategy)
  strategy(@Arg('id', () => String) id: string, @Ctx() ctx: RequestContext): Strategy {
    const registry = ctx.services.strategies;
    return toType(registry, registry.get(id));
  }

  @Authorized('read')
  @Query(() => GraphQLJSON, {
    description:
      "JSON Schema of a run's settings: CreateRunInput.hyperparameters' fields (the trainer settings, with bounds, defaults and descriptions) plus its maxLength, seed and device. The console builds its form from it, as from a strategy's configSchema.",
  })
  runSettingsSchema(): unknown {
    return RUN_SETTINGS_SCHEMA;
  }
}

const RUN_SETTINGS_SCHEMA = runSettingsJsonSchema();
