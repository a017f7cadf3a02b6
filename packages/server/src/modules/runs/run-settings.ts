// A run's settings as the console's form shows them, as JSON Schema: the engine's trainer settings (the
// fields of CreateRunInput.hyperparameters) with the run's maxLength, seed and device, all camelCased.

import { camelName, SeedSchema, TrainerSettingsSchema } from '@tuneql/engine';
import { z } from 'zod';
import { enumName } from '../../graphql/enums.ts';
import { DataSpecSchema, DeviceSchema } from '../../training/run-spec.ts';

/** The keys of the schema that are CreateRunInput's own fields rather than hyperparameters. */
export const RUN_LEVEL_SETTINGS = ['maxLength', 'seed', 'device'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON Schema as CreateRunInput takes it: property names (and `required` lists) camelCased, nested objects
 * too, and a string enum's values (and default) under their GraphQL names (LINEAR, CPU).
 */
function camelProperties(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(camelProperties);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  const isEnum = Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string');
  for (const [key, value] of Object.entries(schema)) {
    if (isEnum && key === 'enum') out.enum = (value as string[]).map(enumName);
    else if (isEnum && key === 'default' && typeof value === 'string') out.default = enumName(value);
    else if (key === 'properties' && isRecord(value))
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [camelName(k), camelProperties(v)]));
    else if (key === 'required' && Array.isArray(value)) out.required = value.map((k) => (typeof k === 'string' ? camelName(k) : k));
    else out[key] = camelProperties(value);
  }
  return out;
}

/** JSON Schema (draft 2020-12) of the run's settings, the shape a user writes (defaults optional). */
export function runSettingsJsonSchema(): Record<string, unknown> {
  const schema = z.strictObject({
    ...TrainerSettingsSchema.shape,
    max_length: DataSpecSchema.shape.max_length,
    seed: SeedSchema,
    device: DeviceSchema,
  });
  return camelProperties(z.toJSONSchema(schema, { io: 'input' })) as Record<string, unknown>;
}
