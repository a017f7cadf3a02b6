// GraphQL input types made from a zod object schema: one nullable field per key (camelCase), its type,
// description and default from the schema, so an input never restates settings kept in zod.

import { camelName } from '@tuneql/engine';
import { Field, Float, InputType, Int } from 'type-graphql';
import type { z } from 'zod';
import { enumName, graphqlEnum } from './enums.ts';

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly']);

/** The schema under optional(), default(), nullable()... */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (WRAPPERS.has(s._zod.def.type)) s = (s._zod.def as unknown as { innerType: z.ZodType }).innerType;
  return s;
}

const pascal = (name: string): string => camelName(name).replace(/^./, (c) => c.toUpperCase());

/** What a field's description says: the schema's, then its default when it has one (an enum's by its GraphQL name). */
function describeField(schema: z.ZodType, inner: z.ZodType): string | undefined {
  const parsed = schema.safeParse(undefined);
  const shown = inner._zod.def.type === 'enum' && typeof parsed.data === 'string' ? enumName(parsed.data) : JSON.stringify(parsed.data);
  const fallback = parsed.success && parsed.data !== undefined ? ` @default ${shown}` : '';
  const text = `${schema.description ?? ''}${fallback}`.trim();
  return text || undefined;
}

/**
 * A type-graphql input class named `name` for `schema`: numbers become Int or Float, strings String, enums
 * GraphQL enums (`${name}` less Input, + the key: HyperparametersSchedule) whose values stand for the
 * schema's strings, booleans Boolean, nested objects input types of their own (`${name}` + the key). A field the
 * schema lets be left out is nullable (its default applies); one it requires is non-null.
 */
export function inputTypeOf(name: string, schema: z.ZodObject, description?: string): new () => object {
  const Input = { [name]: class {} }[name] as new () => object;
  for (const [key, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const inner = unwrap(field);
    const kind = inner._zod.def.type;
    let type: () => unknown;
    if (kind === 'number') type = (inner as z.ZodNumber).format?.includes('int') ? () => Int : () => Float;
    else if (kind === 'string') type = () => String;
    else if (kind === 'enum') {
      const values = graphqlEnum(
        `${name.replace(/Input$/, '')}${pascal(key)}`,
        (inner as z.ZodEnum).options as string[],
        field.description,
      );
      type = () => values;
    } else if (kind === 'boolean') type = () => Boolean;
    else if (kind === 'object') {
      const nested = inputTypeOf(`${name.replace(/Input$/, '')}${pascal(key)}Input`, inner as z.ZodObject, field.description);
      type = () => nested;
    } else throw new Error(`${name}.${key}: a zod ${kind} has no GraphQL input type here`);
    // Required only where the schema has no default and refuses undefined (early stopping's patience).
    const nullable = field.safeParse(undefined).success;
    Field(type as () => typeof Int, { nullable, description: describeField(field, inner) })(Input.prototype, camelName(key));
  }
  InputType(name, { description })(Input);
  return Input;
}
