// The schema's versions, oldest first; each runs once, recorded in tuneql_migrations.

import { Initial1764000000001 } from './0001-initial.ts';
import { RunMeasurements1764000000002 } from './0002-run-measurements.ts';

export const MIGRATIONS = [Initial1764000000001, RunMeasurements1764000000002];
