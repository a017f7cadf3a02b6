// The schema, built from the resolvers; `pnpm schema` writes it to schema.graphql, which is
// committed, and a test fails when the two differ.

import 'reflect-metadata';
import { createPubSub } from '@graphql-yoga/subscription';
import type { GraphQLSchema } from 'graphql';
import { type AuthChecker, buildSchema } from 'type-graphql';
import { ArtifactResolver } from '../modules/artifacts/artifact.resolver.ts';
import { ApiTokenResolver } from '../modules/auth/api-token.resolver.ts';
import { requireScope, type Scope } from '../modules/auth/auth.service.ts';
import { DatasetResolver } from '../modules/datasets/dataset.resolver.ts';
import { ModelResolver } from '../modules/models/model.resolver.ts';
import { NodeResolver } from '../modules/nodes/node.resolver.ts';
import { GenerateResolver } from '../modules/predict/generate.resolver.ts';
import { PredictResolver } from '../modules/predict/predict.resolver.ts';
import { PreflightResolver, RunResolver } from '../modules/runs/run.resolver.ts';
import { StrategyResolver } from '../modules/strategies/strategy.resolver.ts';
import { RunSweepResolver, SweepResolver } from '../modules/sweeps/sweep.resolver.ts';
import type { RequestContext } from './context.ts';

/** `@Authorized('write')`: the caller's token must hold every scope named. */
const authChecker: AuthChecker<RequestContext> = ({ context }, roles) => {
  for (const scope of roles) requireScope(context.caller, scope as Scope);
  return true;
};

let built: Promise<GraphQLSchema> | undefined;

export function tuneqlSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      NodeResolver,
      ModelResolver,
      DatasetResolver,
      StrategyResolver,
      RunResolver,
      PreflightResolver,
      SweepResolver,
      RunSweepResolver,
      ArtifactResolver,
      PredictResolver,
      GenerateResolver,
      ApiTokenResolver,
    ],
    authChecker,
    // Subscriptions bring their own sources (the run event store, the status feed); type-graphql still asks for a pub/sub.
    pubSub: createPubSub(),
    validate: false,
    emitSchemaFile: false,
  });
  return built;
}
