// The thread gemmThroughput measures in: one shape, one answer (FLOP/s), then it exits.

import { parentPort, workerData } from 'node:worker_threads';
import { measureGemm } from './throughput.ts';

const { m, k, n, threads } = workerData as { m: number; k: number; n: number; threads: number };
parentPort?.postMessage(await measureGemm(m, k, n, threads));
