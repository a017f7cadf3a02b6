// The schema's versions, oldest first; each runs once, recorded in tuneql_migrations.

import { Initial1764000000001 } from './0001-initial.ts';

export const MIGRATIONS = [Initial1764000000001];
