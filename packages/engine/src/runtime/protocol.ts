// Messages between the runtime (main thread) and its step worker, and the errors that cross between them.

import type { DType, HostArray } from '../graph/dtype.ts';
import type { Program } from '../step/compile.ts';
import { PrecisionError } from '../step/compile.ts';
import type { Provider } from './providers.ts';

export interface WireTensor {
  dtype: DType;
  shape: readonly number[];
  data: HostArray;
}

/** An optimizer scalar input: one value, or one per parameter (gated programs). */
export type ScalarValue = number | Float32Array;

export type Request =
  | { type: 'init'; provider: Provider; threads: number; profile?: string }
  | { type: 'load'; program: Omit<Program, 'scalarValues'> }
  | { type: 'setSlots'; values: Record<string, WireTensor> }
  | { type: 'run'; program: number; feeds: Record<string, WireTensor>; scalars: Record<string, ScalarValue>; step: number }
  | { type: 'read'; slots: string[] }
  | { type: 'release'; program: number }
  | { type: 'close' };

export interface RunResult {
  outputs: Record<string, WireTensor>;
  /** Wall time of the onnxruntime call alone, in milliseconds. */
  runMs: number;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

export interface WireError {
  name: string;
  message: string;
  step?: number;
  value?: number;
}

/** The loss came out NaN or infinite; the parameters keep their values from before this step. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  readonly step: number;
  readonly value: number;
  constructor(step: number, value: number) {
    super(
      `the loss is ${value} at step ${step}; the parameters keep their values from before this step. Lower the learning rate, enable gradient clipping, or check the batch for bad values`,
    );
    this.step = step;
    this.value = value;
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof NonFiniteLossError) return { name: err.name, message: err.message, step: err.step, value: err.value };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

export function fromWireError(e: WireError): Error {
  if (e.name === 'NonFiniteLossError' && e.step !== undefined && e.value !== undefined) return new NonFiniteLossError(e.step, e.value);
  if (e.name === 'PrecisionError') return new PrecisionError('PRECISION_UNSUPPORTED', e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
