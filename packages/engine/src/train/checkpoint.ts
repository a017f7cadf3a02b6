// Trainer checkpoints: every runtime slot (trainable weights, optimizer moments, gradient sums) plus
// the loop's position, written so that a crash at any moment leaves the previous checkpoint usable
// and a damaged one is detected by its checksum.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors.ts';
import { DROPOUT_HASH } from '../graph/ops.ts';
import type { RngState } from '../runtime/rng.ts';

export interface LoopState {
  version: 1;
  /** Optimizer steps completed. */
  step: number;
  /** Micro-batches completed over the run (gradient accumulation counts each). */
  micro: number;
  epoch: number;
  /** Next batch index within the epoch. */
  position: number;
  /** Sequence number of the last event emitted before this checkpoint. */
  seq: number;
  best?: { metric: string; value: number; step: number };
  /** Evaluations since the monitored value last improved by more than min_delta (early stopping's patience). */
  sinceBest: number;
  /**
   * Early stopping's reference: the monitored value (metric or validation loss) at its last improvement by more
   * than min_delta. Absent in checkpoints from before it was kept (the best metric was the reference then).
   */
  stopBest?: number;
  /** Running loss of the micro-batches of an optimizer step that is half accumulated. */
  pendingLoss: number;
  rng?: RngState;
  /** The dropout mask function the run drew with (ops.DROPOUT_HASH); absent in checkpoints from before version 2. */
  dropoutHash?: number;
  /**
   * Gradual unfreezing: optimizer steps each parameter has taken while switched on (LoadedProgram.paramSteps).
   * Absent in runs without a schedule, and in checkpoints written before it was kept.
   */
  paramSteps?: Record<string, number>;
  /** Hash of the settings that must not change across a resume (model, data, batch shapes...). */
  fingerprint: string;
  /** sha256 of state.safetensors, checked before the state is used. */
  stateSha256: string;
}

export interface SlotValues {
  [slot: string]: { shape: readonly number[]; data: Float32Array };
}

const STATE = 'state.safetensors';
const LOOP = 'trainer.json';
const LATEST = 'latest.json';

/** A checkpoint that failed its checks; the message names the file and what is wrong. */
export class CorruptCheckpointError extends Error {
  override name = 'CorruptCheckpointError';
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

/**
 * Writes checkpoint `step-NNNNNNN` under `root`: into a temporary folder first, renamed into place
 * when complete, then `latest.json` is pointed at it. Older checkpoints beyond `keep` are removed.
 */
export async function saveLoopCheckpoint(
  root: string,
  state: Omit<LoopState, 'stateSha256' | 'version' | 'dropoutHash'>,
  slots: SlotValues,
  keep = 2,
): Promise<string> {
  await mkdir(root, { recursive: true });
  const name = `step-${String(state.step).padStart(7, '0')}-${String(state.micro).padStart(9, '0')}`;
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  await writeSafetensors(join(tmp, STATE), slots);
  const full: LoopState = { version: 1, ...state, dropoutHash: DROPOUT_HASH, stateSha256: await sha256(join(tmp, STATE)) };
  await writeFile(join(tmp, LOOP), `${JSON.stringify(full, null, 2)}\n`);
  const final = join(root, name);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  await writeJsonAtomic(join(root, LATEST), { checkpoint: name });
  const all = (await readdir(root)).filter((n) => /^step-\d+-\d+$/.test(n)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(join(root, old), { recursive: true, force: true });
  return final;
}

async function readOne(dir: string): Promise<{ state: LoopState; slots: SlotValues }> {
  let state: LoopState;
  try {
    state = JSON.parse(await readFile(join(dir, LOOP), 'utf8')) as LoopState;
  } catch (err) {
    throw new CorruptCheckpointError(`${join(dir, LOOP)}: cannot be read as JSON (${(err as Error).message})`);
  }
  if (state.version !== 1 || typeof state.step !== 'number')
    throw new CorruptCheckpointError(`${join(dir, LOOP)}: not a TuneQL trainer checkpoint`);
  const digest = await sha256(join(dir, STATE)).catch((err: Error) => {
    throw new CorruptCheckpointError(`${join(dir, STATE)}: cannot be read (${err.message})`);
  });
  if (digest !== state.stateSha256) {
    throw new CorruptCheckpointError(
      `${join(dir, STATE)}: checksum ${digest.slice(0, 12)}… does not match the recorded ${state.stateSha256.slice(0, 12)}…; the file is damaged`,
    );
  }
  const file = await readSafetensors(join(dir, STATE));
  const slots: SlotValues = {};
  for (const [k, t] of file.tensors) slots[k] = { shape: t.shape, data: t.data as Float32Array };
  return { state, slots };
}

/**
 * The newest usable checkpoint under `root`: the one latest.json names, or, if that one is damaged,
 * the newest older one that passes its checks (`skipped` says which were passed over and why).
 */
export async function loadLoopCheckpoint(
  root: string,
): Promise<{ state: LoopState; slots: SlotValues; dir: string; skipped: string[] } | undefined> {
  let names: string[];
  try {
    names = (await readdir(root))
      .filter((n) => /^step-\d+-\d+$/.test(n))
      .sort()
      .reverse();
  } catch {
    return undefined;
  }
  try {
    const latest = JSON.parse(await readFile(join(root, LATEST), 'utf8')) as { checkpoint?: string };
    if (latest.checkpoint && names.includes(latest.checkpoint))
      names = [latest.checkpoint, ...names.filter((n) => n !== latest.checkpoint)];
  } catch {
    // No pointer (a crash before it was first written): fall back to the newest folder.
  }
  const skipped: string[] = [];
  for (const name of names) {
    try {
      return { ...(await readOne(join(root, name))), dir: join(root, name), skipped };
    } catch (err) {
      if (!(err instanceof CorruptCheckpointError)) throw err;
      skipped.push(err.message);
    }
  }
  if (skipped.length) throw new CorruptCheckpointError(`no usable checkpoint in ${root}: ${skipped.join('; ')}`);
  return undefined;
}
