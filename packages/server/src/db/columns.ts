// Column helpers shared by the entities: PostgreSQL bigint read back as a JavaScript number.

import type { ValueTransformer } from 'typeorm';

/** bigint columns hold counts far below 2^53; pg returns them as strings. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
