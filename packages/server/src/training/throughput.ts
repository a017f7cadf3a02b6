// How fast this machine multiplies matrices through onnxruntime, measured once per shape and thread
// count in a process: the speed preflight turns FLOPs into seconds with. The measuring runs in a
// worker thread: onnxruntime's session creation and runs hold the calling thread (about half a second
// in all), which must not be a server's event loop.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { emitModel, Graph, ops } from '@tuneql/engine';
import * as ort from 'onnxruntime-node';

const measured = new Map<string, Promise<number>>();

/**
 * FLOP/s of one (m, k) x (k, n) float32 MatMul (and a sum of its result) on the CPU provider with the training runtime's
 * session options (`threads` intra-op threads, sequential). The median of a few runs after a warm-up,
 * each shape timed once per process (about 50 ms) and then remembered.
 */
export function gemmThroughput(m: number, k: number, n: number, threads = availableParallelism()): Promise<number> {
  const key = `${m}x${k}x${n}@${threads}`;
  let p = measured.get(key);
  if (!p) {
    p = measureInThread(m, k, n, threads);
    measured.set(key, p);
    p.catch(() => measured.delete(key));
  }
  return p;
}

function measureInThread(m: number, k: number, n: number, threads: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./throughput-worker.ts', import.meta.url), { workerData: { m, k, n, threads } });
    worker.once('message', (flops: number) => resolve(flops));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the GEMM measurement thread stopped (exit code ${code}) before answering`)));
  });
}

/** Measures on the calling thread (see gemmThroughput); throughput-worker.ts calls it. */
export async function measureGemm(m: number, k: number, n: number, threads: number): Promise<number> {
  const g = new Graph();
  const a = g.input('a', 'float32', [m, k]);
  const b = g.input('b', 'float32', [k, n]);
  const model = emitModel(g, {
    // Summed to a scalar in the graph: returning the product would time copying it out to JavaScript
    // too, which made small shapes look several times slower than a training step's GEMMs run.
    outputs: [{ name: 'c', tensor: ops.reduceSum(ops.matmul(a, b), { axes: [0, 1] }) }],
    paramInputs: new Set(),
    paramValue: () => new Float32Array(0),
  });
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
  try {
    // Values do not change a GEMM's speed; a fixed pattern avoids denormals and zeros.
    const fill = (size: number) => Float32Array.from({ length: size }, (_, i) => ((i % 13) - 6) / 7);
    const feeds = { a: new ort.Tensor('float32', fill(m * k), [m, k]), b: new ort.Tensor('float32', fill(k * n), [k, n]) };
    for (let i = 0; i < 2; i++) await session.run(feeds);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 5 || (times.length < 50 && performance.now() - start < 50)) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    const ms = Math.max(times[Math.floor(times.length / 2)] as number, 1e-3);
    return (2 * m * k * n) / (ms / 1000);
  } finally {
    await session.release();
  }
}
