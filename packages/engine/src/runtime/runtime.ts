// The engine's runtime: a worker thread that holds the sessions and parameters, behind an async API.

import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { dtypeOfArray, type HostArray } from '../graph/dtype.ts';
import { sizeOf } from '../graph/graph.ts';
import { DROPOUT_SEED } from '../nn/layers.ts';
import type { ParameterSet } from '../params/parameters.ts';
import { ACTIVE, type InputSpec, LOSS_SCALE, PrecisionError, type Program, precisionProblem } from '../step/compile.ts';
import { fromWireError, type Reply, type Request, type RunResult, type ScalarValue, type WireTensor } from './protocol.ts';
import { checkProvider, type Provider } from './providers.ts';
import { Rng } from './rng.ts';

export interface RuntimeOptions {
  /** @default 'cpu' */
  provider?: Provider;
  /** Threads for onnxruntime's CPU kernels; fixed per runtime so results are deterministic. @default all cores */
  threads?: number;
  /**
   * Profiles each training program's session with onnxruntime: every node's time (and with WebGPU each GPU
   * kernel's, from timestamp queries) goes to a Chrome-trace JSON file named `<profile>-<program>_<time>.json`,
   * written when the program is released or the runtime closes. `summarizeProfile` reads it.
   */
  profile?: string;
}

/** A batch that does not match the compiled program's inputs. */
export class InputError extends Error {
  override name = 'InputError';
}

export type Feeds = Record<string, HostArray>;

/** `data` alone in a buffer of its own, which can move to another thread: itself when it is, else a copy. */
function ownBuffer(data: Float32Array): Float32Array {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? data : data.slice();
}

/** A seed in [0, 2^31) for `step` of the run seeded `seed`: a fresh stream per step, the same on every run. */
export function dropoutSeed(seed: number, step: number): number {
  const rng = new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ step) >>> 0);
  return rng.nextUint32() >>> 1;
}

export class Runtime {
  readonly provider: Provider;
  readonly threads: number;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  /** Slots that hold a value in the worker. */
  private readonly loadedSlots = new Set<string>();
  /** Parameters whose current values only the worker holds: updated by a program, moved there, or written. */
  private readonly heldParams = new Set<string>();

  private constructor(provider: Provider, threads: number) {
    this.provider = provider;
    this.threads = threads;
    this.worker = new Worker(new URL('./worker.ts', import.meta.url));
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(fromWireError(reply.error));
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the step worker exited (code ${code})`)));
  }

  /** Starts a runtime on `provider`; an unavailable provider is an error that lists the available ones. */
  static async start(options: RuntimeOptions = {}): Promise<Runtime> {
    const provider = checkProvider(options.provider ?? 'cpu');
    const threads = options.threads ?? availableParallelism();
    // onnxruntime writes the profile without creating its folder.
    if (options.profile) mkdirSync(dirname(options.profile), { recursive: true });
    const rt = new Runtime(provider, threads);
    await rt.call({ type: 'init', provider, threads, profile: options.profile });
    return rt;
  }

  /** @internal */
  call<T>(req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  /**
   * Loads a compiled program. Slots it binds that hold no value yet are filled from `params`
   * (optimizer states start at zero); slots already loaded are shared, so an inference program
   * sees the weights the training program has updated. With `move`, the values of the parameters it
   * binds move to the runtime instead of being copied: `params` holds them no more (reading one throws)
   * until `syncTo` brings them back, so that a run holds each weight once.
   */
  async load(program: Program, params: ParameterSet, options: { reset?: boolean; move?: boolean } = {}): Promise<LoadedProgram> {
    const problem = program.precision ? precisionProblem(program.precision, false, this.provider) : undefined;
    if (problem) throw new PrecisionError('PRECISION_UNSUPPORTED', problem);
    const known = options.reset ? new Set<string>() : this.loadedSlots;
    const values: Record<string, WireTensor> = {};
    for (const s of program.slots) {
      if (known.has(s.slot)) continue;
      const data =
        s.slot !== s.param
          ? new Float32Array(sizeOf(s.shape))
          : options.move
            ? ownBuffer(params.handOver(s.param))
            : params.get(s.param).data.slice();
      values[s.slot] = { dtype: 'float32', shape: s.shape, data };
    }
    // The values sent here move to the worker rather than being cloned, so they are not held twice.
    if (Object.keys(values).length)
      await this.call(
        { type: 'setSlots', values },
        Object.values(values).map((v) => v.data.buffer as ArrayBuffer),
      );
    for (const n of Object.keys(values)) this.loadedSlots.add(n);
    for (const s of program.slots) if (s.slot === s.param && (s.output || options.move)) this.heldParams.add(s.param);
    const { scalarValues: _hostOnly, ...wire } = program;
    const id = await this.call<number>({ type: 'load', program: wire });
    // The session holds what it needs of the model: its bytes (the frozen weights, for most) are not kept.
    const { model: _inSession, ...loaded } = program;
    return new LoadedProgram(this, id, loaded);
  }

  /** Current values of slots (parameters: their names; optimizer states: `name::slot`). */
  async read(names: readonly string[]): Promise<Record<string, Float32Array>> {
    const out = await this.call<Record<string, WireTensor>>({ type: 'read', slots: [...names] });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  }

  /** Replaces slot values (loading a checkpoint). */
  async write(values: Record<string, { shape: readonly number[]; data: Float32Array }>): Promise<void> {
    const wire: Record<string, WireTensor> = {};
    for (const [k, v] of Object.entries(values)) wire[k] = { dtype: 'float32', shape: v.shape, data: v.data.slice() };
    await this.call(
      { type: 'setSlots', values: wire },
      Object.values(wire).map((v) => v.data.buffer as ArrayBuffer),
    );
    for (const k of Object.keys(values)) {
      this.loadedSlots.add(k);
      this.heldParams.add(k);
    }
  }

  /** Copies the trained (and moved) values back into `params`; frozen weights only read from slots are the host's already. */
  async syncTo(params: ParameterSet): Promise<void> {
    const names = params.names.filter((n) => this.heldParams.has(n));
    const values = await this.read(names);
    for (const [n, data] of Object.entries(values)) params.get(n).data = data;
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.call({ type: 'close' });
    this.failure = new Error('the runtime is closed');
    await this.worker.terminate();
  }
}

export interface StepResult {
  loss: number;
  /** Half precision: the norm of the unscaled gradients, infinite or NaN when the step was skipped. */
  gradNorm: number;
  /** Half precision: the gradients overflowed, so nothing was updated and the loss scale backed off. */
  skipped: boolean;
  /** Other outputs the program returns. */
  outputs: Record<string, WireTensor>;
  runMs: number;
}

/** An int64 feed as the int32 the compiled programs compute with (see EmitOptions.narrowIntegers). */
function narrowFeed(name: string, data: BigInt64Array, shape: readonly number[]): WireTensor {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as bigint;
    if (v < -2147483648n || v > 2147483647n)
      throw new InputError(`input '${name}' holds ${v} at element ${i}, outside the int32 range the runtime computes ids and labels in`);
    out[i] = Number(v);
  }
  return { dtype: 'int32', shape, data: out };
}

/** A program loaded into a runtime. */
export class LoadedProgram {
  readonly runtime: Runtime;
  readonly id: number;
  /** The program, less its model bytes. */
  readonly program: Omit<Program, 'model'>;
  /** Optimizer steps taken so far (AdamW's bias correction counts from 1). */
  step = 0;
  /** Run seed: with the step number it fixes every dropout mask, so a resumed run draws the same ones. */
  seed = 0;
  /** Gated programs: the parameters that update (all of them when unset). */
  active: ReadonlySet<string> | undefined;
  /**
   * Gated programs: optimizer steps each parameter has taken while switched on. AdamW's bias correction
   * counts these, not the run's steps, so a parameter unfrozen later starts its moments as torch.optim
   * does (its per-parameter state starts at the first step it has a gradient). A run's programs share
   * one map, as they share `step`.
   */
  paramSteps: Map<string, number> = new Map();
  /** Half precision: the current loss scale, overflow-free steps since it last changed, and steps skipped. */
  lossScale: { scale: number; goodSteps: number; skipped: number } | undefined;

  constructor(runtime: Runtime, id: number, program: Omit<Program, 'model'>) {
    this.runtime = runtime;
    this.id = id;
    this.program = program;
    if (program.lossScaling) this.lossScale = { scale: program.lossScaling.initial, goodSteps: 0, skipped: 0 };
  }

  /** GradScaler.update: back off and skip after an overflow, grow after growthInterval clean steps. */
  private updateLossScale(finite: boolean): void {
    const s = this.lossScale;
    const rule = this.program.lossScaling;
    if (!s || !rule) return;
    if (!finite) {
      s.scale *= rule.backoffFactor;
      s.goodSteps = 0;
      s.skipped++;
    } else if (++s.goodSteps >= rule.growthInterval) {
      s.scale *= rule.growthFactor;
      s.goodSteps = 0;
    }
  }

  private validate(feeds: Feeds): Record<string, WireTensor> {
    const wire: Record<string, WireTensor> = {};
    const expected = new Map<string, InputSpec>(this.program.inputs.map((i) => [i.name, i]));
    for (const name of Object.keys(feeds)) {
      if (!expected.has(name)) throw new InputError(`unknown input '${name}'; this program takes ${[...expected.keys()].join(', ')}`);
    }
    for (const spec of this.program.inputs) {
      const data = feeds[spec.name];
      const want = `${spec.dtype}[${spec.shape.join(', ')}]`;
      if (!data) throw new InputError(`input '${spec.name}' is missing; it must be ${want}`);
      const dtype = dtypeOfArray(data);
      if (dtype !== spec.dtype) throw new InputError(`input '${spec.name}' is ${dtype} but the program expects ${want}`);
      if (data.length !== sizeOf(spec.shape)) {
        throw new InputError(
          `input '${spec.name}' has ${data.length} elements but the program expects ${want} (${sizeOf(spec.shape)} elements)`,
        );
      }
      wire[spec.name] = dtype === 'int64' ? narrowFeed(spec.name, data as BigInt64Array, spec.shape) : { dtype, shape: spec.shape, data };
    }
    return wire;
  }

  /** One training step at learning rate `lr`; for an inference program, one forward pass. */
  async run(feeds: Feeds, options: { lr?: number } = {}): Promise<StepResult> {
    if (this.program.inputs.some((i) => i.name === DROPOUT_SEED) && !(DROPOUT_SEED in feeds)) {
      feeds = { ...feeds, [DROPOUT_SEED]: BigInt64Array.of(BigInt(dropoutSeed(this.seed, this.step + 1))) };
    }
    const wire = this.validate(feeds);
    const gated = this.program.gated;
    if (gated) {
      const on = Float32Array.from(gated, (name) => (this.isActive(name) ? 1 : 0));
      wire[ACTIVE] = { dtype: 'float32', shape: [gated.length], data: on };
    }
    const updates = this.program.kind === 'train' || this.program.kind === 'apply';
    let scalars: Record<string, ScalarValue> = {};
    if (updates) {
      if (options.lr === undefined || !(options.lr >= 0))
        throw new InputError(`a training step needs a learning rate >= 0, got ${options.lr}`);
      scalars = gated ? this.gatedScalars(gated, options.lr) : (this.program.scalarValues?.(this.step + 1, options.lr) ?? {});
      if (this.lossScale) scalars = { ...scalars, [LOSS_SCALE]: this.lossScale.scale };
    }
    const r = await this.runtime.call<RunResult>({ type: 'run', program: this.id, feeds: wire, scalars, step: this.step + 1 });
    const gradNorm = r.outputs.grad_norm ? Number(r.outputs.grad_norm.data[0]) : Number.NaN;
    // An overflowed half-precision step changed nothing (the program kept every value): it does not count.
    const skipped = this.lossScale !== undefined && !Number.isFinite(gradNorm);
    this.updateLossScale(!skipped);
    if (updates && !skipped) {
      this.step++;
      for (const name of gated ?? []) if (this.isActive(name)) this.paramSteps.set(name, (this.paramSteps.get(name) ?? 0) + 1);
    }
    const { loss, grad_norm: _norm, ...outputs } = r.outputs;
    return {
      loss: loss ? Number(loss.data[0]) : Number.NaN,
      gradNorm,
      skipped,
      outputs,
      runMs: r.runMs,
    };
  }

  private isActive(name: string): boolean {
    return !this.active || this.active.has(name);
  }

  /** Each optimizer scalar as a vector: parameter i's value at its own next step (switched-off ones get any valid step). */
  private gatedScalars(gated: readonly string[], lr: number): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    gated.forEach((name, i) => {
      const own = (this.paramSteps.get(name) ?? 0) + (this.isActive(name) ? 1 : 0);
      for (const [key, v] of Object.entries(this.program.scalarValues?.(Math.max(1, own), lr) ?? {})) {
        out[key] ??= new Float32Array(gated.length);
        (out[key] as Float32Array)[i] = v;
      }
    });
    return out;
  }

  async release(): Promise<void> {
    await this.runtime.call({ type: 'release', program: this.id });
  }
}
