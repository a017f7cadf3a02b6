// The same checks for every operation, over HTTP and over WebSocket: size and tokens of the text,
// then depth, aliases, cost (with the operation's variables) and the introspection policy.

import { type DocumentNode, type GraphQLError, type GraphQLSchema, validate } from 'graphql';
import { checkDocumentSize, introspectionRule, limitRules, type QueryLimits } from './limits.ts';

export interface OperationPolicy {
  limits: QueryLimits;
  introspection: boolean;
}

export function checkText(source: string, policy: OperationPolicy): GraphQLError | undefined {
  return checkDocumentSize(source, policy.limits);
}

export function checkDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  policy: OperationPolicy,
): readonly GraphQLError[] {
  return validate(schema, document, [...limitRules(policy.limits, variables), introspectionRule(policy.introspection)]);
}
