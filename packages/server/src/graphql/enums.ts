// GraphQL enums over the strings the engine and the database keep: each enum is made from the one list of
// internal values, so a value's GraphQL name (SEQUENCE_CLASSIFICATION) and the string it stands for
// (sequence-classification) are mapped in one place and stored data needs no migration.

import { registerEnumType } from 'type-graphql';

/** The GraphQL name of an internal value: upper case, with '-' and other separators as '_'. */
export function enumName(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/**
 * Registers the GraphQL enum `name` whose values stand for `values`, and returns the object type-graphql
 * maps with (GraphQL name -> internal value): GraphQL parses SEQUENCE_CLASSIFICATION into
 * 'sequence-classification' on the way in and serializes it back on the way out.
 */
export function graphqlEnum<V extends string>(name: string, values: readonly V[], description?: string): Record<string, V> {
  const map = Object.fromEntries(values.map((v) => [enumName(v), v])) as Record<string, V>;
  if (Object.keys(map).length !== values.length) throw new Error(`enum ${name}: two values share a GraphQL name`);
  registerEnumType(map, { name, description });
  return map;
}
