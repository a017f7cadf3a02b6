// Column helpers shared by the entities: bigint read back as a JavaScript number, and uuid keys.

import type { ValueTransformer } from 'typeorm';

/** bigint columns hold counts far below 2^53; pg returns them as strings. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can be a uuid key; anything else names no row (PostgreSQL would reject it with an error). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
