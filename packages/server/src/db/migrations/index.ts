// The schema's versions, oldest first; each runs once, recorded in tuneql_migrations.

import { Initial1764000000001 } from './0001-initial.ts';
import { RunMeasurements1764000000002 } from './0002-run-measurements.ts';
import { BigintParameterCounts1764000000003 } from './0003-bigint-parameter-counts.ts';
import { RunEventCodes1764000000004 } from './0004-run-event-codes.ts';
import { TokenExpiryUploadUse1764000000005 } from './0005-token-expiry-upload-use.ts';
import { Sweeps1764000000006 } from './0006-sweeps.ts';

export const MIGRATIONS = [
  Initial1764000000001,
  RunMeasurements1764000000002,
  BigintParameterCounts1764000000003,
  RunEventCodes1764000000004,
  TokenExpiryUploadUse1764000000005,
  Sweeps1764000000006,
];
