// The shape of every mutation: one `input:` object and a `...Payload` object type of its own, so that a
// mutation can take and return more later without breaking its callers. Small inputs and payloads are
// made here rather than written out one class each.

import { type ClassType, Field, ID, InputType, ObjectType } from 'type-graphql';

/** An input type `name` with one field, `id: ID!`: the thing the mutation acts on. */
export function idInput(name: string, description: string): ClassType<{ id: string }> {
  const Input = { [name]: class {} }[name] as ClassType<{ id: string }>;
  Field(() => ID, { description })(Input.prototype, 'id');
  InputType(name)(Input);
  return Input;
}

/** A payload type `name` with one non-null field `key` of `type` (createRun's `run`). */
export function payloadType<K extends string, T>(
  name: string,
  key: K,
  type: () => unknown,
  options: { description?: string; nullable?: boolean } = {},
): ClassType<Record<K, T>> {
  const Payload = { [name]: class {} }[name] as ClassType<Record<K, T>>;
  Field(type as () => ClassType, options)(Payload.prototype, key);
  ObjectType(name)(Payload);
  return Payload;
}

/** A delete mutation's payload: the id of what it deleted. */
export function deletedPayload(name: string): ClassType<{ deletedId: string }> {
  return payloadType(name, 'deletedId', () => ID, { description: 'The id of what was deleted; it names nothing from now on.' });
}
