// An Apollo Server plugin that times each GraphQL operation over HTTP into
// tuneql_graphql_operation_duration_seconds, labelled by operation type and (bounded) operation name.

import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from './metrics.ts';

export function graphqlTiming<TContext extends object>(metrics: Metrics): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const end = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse({ operation, operationName }) {
          // Operations refused before resolution (parse, validation, limits) have no operation: type unknown.
          end({
            operation_type: operation?.operation ?? 'unknown',
            operation_name: metrics.operationNameLabel(operation?.name?.value ?? operationName),
          });
        },
      };
    },
  };
}
