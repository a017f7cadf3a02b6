// The step worker: owns the onnxruntime sessions and the parameter slots, so that a long step never
// blocks the main event loop. Trainable parameters and optimizer states live here between steps:
// on the CPU one buffer per slot, which a training step reads and then writes its update into (the
// compiled step writes each slot last, behind its guard: see compile.ts's stepGuard), on WebGPU as GPU
// buffers that the next step reads directly.

import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { Graph } from '../graph/graph.ts';
import { emitModel } from '../onnx/emit.ts';
import { PrecisionError, type Program } from '../step/compile.ts';
import {
  NonFiniteLossError,
  type Reply,
  type Request,
  type RunResult,
  type ScalarValue,
  toWireError,
  type WireTensor,
} from './protocol.ts';
import { explainSessionError, type Provider } from './providers.ts';

interface Slot {
  shape: readonly number[];
  /** The value; on the CPU also the buffer a training run writes the next value into. */
  value: ort.Tensor;
}

/** A loaded program, without its model bytes: the session holds what it needs of them. */
interface Loaded {
  program: Omit<Program, 'scalarValues' | 'model'>;
  session: ort.InferenceSession;
}

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');

let provider: Provider = 'cpu';
let threads = 1;
let profile: string | undefined;
const programs = new Map<number, Loaded>();
const slots = new Map<string, Slot>();
const readers = new Map<string, ort.InferenceSession>();
const uploaders = new Map<string, ort.InferenceSession>();
let nextProgram = 1;

const onGpu = () => provider !== 'cpu';

function sessionOptions(extra: Partial<ort.InferenceSession.SessionOptions> = {}): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...extra,
  };
}

async function createSession(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (err) {
    throw explainSessionError(provider, err);
  }
}

function toOrt(t: WireTensor): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data as Float32Array, [...t.shape]);
}

function fromOrt(t: ort.Tensor): WireTensor {
  return { dtype: t.type as WireTensor['dtype'], shape: [...t.dims], data: t.data as Float32Array };
}

async function load(program: Omit<Program, 'scalarValues'>): Promise<number> {
  const gpuOutputs: Record<string, ort.Tensor.DataLocation> = {};
  if (onGpu()) {
    for (const o of program.outputs) gpuOutputs[o] = 'cpu';
    for (const s of program.slots) if (s.output) gpuOutputs[s.output] = 'gpu-buffer';
  }
  const extra: Partial<ort.InferenceSession.SessionOptions> = onGpu() ? { preferredOutputLocation: gpuOutputs } : {};
  // onnxruntime's memory pattern plans a fresh block on the second run while keeping the first run's,
  // which for a training step costs as much memory as all its activations again.
  if (program.kind !== 'infer') extra.enableMemPattern = false;
  const id = nextProgram++;
  if (profile && program.kind !== 'infer') Object.assign(extra, { enableProfiling: true, profileFilePrefix: `${profile}-${id}` });
  const { model, ...kept } = program;
  const session = await createSession(model, sessionOptions(extra));
  programs.set(id, { program: kept, session });
  return id;
}

async function setSlots(values: Record<string, WireTensor>): Promise<void> {
  const names = Object.keys(values);
  // On a GPU every slot moves there once: a frozen weight read from a slot (compile's frozenInputs) would
  // otherwise be uploaded on every step, and a trainable one on the first.
  const uploaded = onGpu() ? await upload(names.map((n) => [n, toOrt(values[n] as WireTensor)])) : undefined;
  for (const name of names) {
    const t = values[name] as WireTensor;
    const old = slots.get(name);
    if (old && onGpu() && old.value.location === 'gpu-buffer') old.value.dispose();
    slots.set(name, { shape: t.shape, value: uploaded?.get(name) ?? toOrt(t) });
  }
}

/** Host tensors copied into GPU buffers, by a session whose outputs copy its inputs and stay on the GPU. */
async function upload(entries: [string, ort.Tensor][]): Promise<Map<string, ort.Tensor>> {
  const out = new Map<string, ort.Tensor>();
  if (!entries.length) return out;
  const key = entries.map(([n, t]) => `${n}:${t.dims.join('x')}`).join('\n');
  let uploader = uploaders.get(key);
  if (!uploader) {
    const g = new Graph();
    const tensors = entries.map(([n, t]) => g.param(n, [...t.dims]));
    const model = emitModel(g, {
      outputs: tensors.map((tensor, i) => ({ name: `up${i}`, tensor })),
      paramInputs: new Set(entries.map(([n]) => n)),
      paramValue: () => new Float32Array(0),
    });
    const location = Object.fromEntries(entries.map((_, i) => [`up${i}`, 'gpu-buffer' as const]));
    uploader = await createSession(model, sessionOptions({ preferredOutputLocation: location }));
    uploaders.set(key, uploader);
  }
  const result = await uploader.run(Object.fromEntries(entries));
  entries.forEach(([n], i) => {
    out.set(n, result[`up${i}`] as ort.Tensor);
  });
  return out;
}

function slot(name: string): Slot {
  const s = slots.get(name);
  if (!s) throw new Error(`runtime slot '${name}' has no value; load the parameters first`);
  return s;
}

async function run(
  id: number,
  feedsIn: Record<string, WireTensor>,
  scalars: Record<string, ScalarValue>,
  step: number,
): Promise<RunResult> {
  const loaded = programs.get(id);
  if (!loaded) throw new Error(`program ${id} is not loaded`);
  const { program, session } = loaded;
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feedsIn)) feeds[name] = toOrt(t);
  for (const [name, v] of Object.entries(scalars)) {
    feeds[name] = typeof v === 'number' ? new ort.Tensor('float32', Float32Array.of(v), []) : new ort.Tensor('float32', v, [v.length]);
  }
  for (const s of program.slots) feeds[s.slot] = slot(s.slot).value;
  const fetches: Record<string, ort.Tensor | null> = {};
  for (const o of program.outputs) fetches[o] = null;
  // On the CPU the update is written into the buffer it was read from.
  for (const s of program.slots) if (s.output) fetches[s.output] = onGpu() ? null : slot(s.slot).value;

  const t0 = performance.now();
  const result = await session.run(feeds, fetches).catch((err: unknown) => {
    throw explainRunError(err);
  });
  const runMs = performance.now() - t0;

  const updates = program.slots.filter((s) => s.output);
  // A non-finite loss (or, for the apply step of accumulation, gradient norm) changed nothing: the step's
  // guard wrote the old values back (on the CPU, into the slots themselves; GPU results are freed).
  const watched = program.kind === 'apply' ? result.grad_norm : program.kind === 'infer' ? undefined : result.loss;
  if (watched) {
    const value = Number((watched.data as Float32Array)[0]);
    if (!Number.isFinite(value)) {
      if (onGpu()) for (const s of updates) result[s.output as string]?.dispose();
      throw new NonFiniteLossError(step, value);
    }
  }
  if (onGpu()) {
    for (const s of updates) {
      const state = slot(s.slot);
      if (state.value.location === 'gpu-buffer') state.value.dispose();
      state.value = result[s.output as string] as ort.Tensor;
    }
  }
  const outputs: Record<string, WireTensor> = {};
  for (const o of program.outputs) outputs[o] = fromOrt(result[o] as ort.Tensor);
  return { outputs, runMs };
}

/** A float16 kernel on a GPU without shader-f16 (SwiftShader) fails when it is first built, at a run. */
function explainRunError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (!/requires f16 but the device does not support it/.test(message)) return err instanceof Error ? err : new Error(message);
  return new PrecisionError(
    'PRECISION_UNSUPPORTED',
    `precision 'fp16' cannot run on this ${provider} device: its GPU lacks WebGPU's shader-f16 feature (${message.split('\n')[0]}); use precision 'fp32'`,
  );
}

/** A reply whose buffers move to the main thread rather than being cloned (copies made for it). */
class Moved {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
  constructor(value: unknown, transfer: ArrayBuffer[]) {
    this.value = value;
    this.transfer = transfer;
  }
}

/** Copies slot values to the host. GPU buffers are read through a session with CPU outputs. */
async function read(names: string[]): Promise<Moved> {
  const out: Record<string, WireTensor> = {};
  const copies: ArrayBuffer[] = [];
  const onDevice = names.filter((n) => slot(n).value.location === 'gpu-buffer');
  for (const n of names) {
    if (onDevice.includes(n)) continue;
    const t = slot(n).value;
    const data = (t.data as Float32Array).slice();
    copies.push(data.buffer);
    out[n] = { dtype: 'float32', shape: [...t.dims], data };
  }
  if (onDevice.length) {
    const key = onDevice.join('\n');
    let reader = readers.get(key);
    if (!reader) {
      const g = new Graph();
      const tensors = onDevice.map((n) => g.param(n, slot(n).shape));
      const model = emitModel(g, {
        outputs: tensors.map((tensor, i) => ({ name: `read${i}`, tensor })),
        paramInputs: new Set(onDevice),
        paramValue: () => new Float32Array(0),
      });
      reader = await createSession(model, sessionOptions());
      readers.set(key, reader);
    }
    const result = await reader.run(Object.fromEntries(onDevice.map((n) => [n, slot(n).value])));
    onDevice.forEach((n, i) => {
      out[n] = fromOrt(result[`read${i}`] as ort.Tensor);
    });
  }
  return new Moved(out, copies);
}

/** Releases a program's session, writing its profile first when profiling. */
async function releaseSession(p: Loaded): Promise<void> {
  if (profile && p.program.kind !== 'infer') await p.session.endProfiling();
  await p.session.release();
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'init':
      provider = req.provider;
      threads = req.threads;
      profile = req.profile;
      return null;
    case 'load':
      return load(req.program);
    case 'setSlots':
      return setSlots(req.values);
    case 'run':
      return run(req.program, req.feeds, req.scalars, req.step);
    case 'read':
      return read(req.slots);
    case 'release': {
      const p = programs.get(req.program);
      programs.delete(req.program);
      if (p) await releaseSession(p);
      return null;
    }
    case 'close':
      for (const p of programs.values()) await releaseSession(p);
      for (const r of [...readers.values(), ...uploaders.values()]) await r.release();
      programs.clear();
      return null;
  }
}

// Requests are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: { id: number; req: Request }) => {
  queue = queue.then(async () => {
    let reply: Reply;
    let transfer: ArrayBuffer[] = [];
    try {
      const value = await handle(msg.req);
      if (value instanceof Moved) transfer = value.transfer;
      reply = { id: msg.id, ok: true, value: value instanceof Moved ? value.value : value };
    } catch (err) {
      reply = { id: msg.id, ok: false, error: toWireError(err) };
    }
    port.postMessage(reply, transfer);
  });
});
