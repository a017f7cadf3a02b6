// The Node interface: every object with an id (a UUID, unique across the tables) can be fetched again by
// node(id:) alone. See docs/decisions/0009-graphql-conventions.md.

import { Field, ID, InterfaceType } from 'type-graphql';

/** The object type of a value node() returns, which the interface reads to resolve it. */
export interface Typed {
  __typename: string;
}

@InterfaceType('Node', {
  description: 'An object with an id: node(id:) fetches it by that id alone.',
  resolveType: (value: Partial<Typed>) => value.__typename,
})
export abstract class Node {
  @Field(() => ID, { description: 'A UUID, unique across every type of the API.' })
  id!: string;
}
