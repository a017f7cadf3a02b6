// Which execution provider onnxruntime assigns each node of a model to, read from its verbose session log.
//
// onnxruntime-node has no API for the assignment; its verbose log lists it when a session is created
// ("Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3" followed by one "Op (name)" line per
// node). The log goes to the process's own output, so the session is made in a child process. A node that
// falls back to the CPU in a WebGPU session costs two copies a step and rules out graph capture.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { checkProvider, explainSessionError, type Provider } from './providers.ts';

export interface PlacedNode {
  op: string;
  /** The node's name: the emitter names a node after its first output. */
  name: string;
}

export interface Placement {
  /** Nodes per execution provider, by onnxruntime's name (`WebGpuExecutionProvider`, `CPUExecutionProvider`). */
  counts: Record<string, number>;
  /** The nodes of each provider that the log lists one by one (it lists them for every provider of a split graph). */
  nodes: Record<string, PlacedNode[]>;
}

export const CPU_EP = 'CPUExecutionProvider';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'); // the log's colour codes
const HEADER = /(All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/;
const NODE = /VerifyEachNodeIsAssignedToAnEp\]\s+(\S+) \((.*)\)\s*$/;

/** Reads the placement from a verbose onnxruntime log; undefined when the log holds none. */
export function parsePlacement(log: string): Placement | undefined {
  const counts: Record<string, number> = {};
  const nodes: Record<string, PlacedNode[]> = {};
  let current: string | undefined;
  for (const raw of log.split('\n')) {
    const line = raw.replace(ANSI, '');
    const header = HEADER.exec(line);
    if (header) {
      current = header[2] as string;
      counts[current] = (counts[current] ?? 0) + Number(header[3]);
      nodes[current] ??= [];
      continue;
    }
    const node = current === undefined ? null : NODE.exec(line);
    if (node && current) (nodes[current] as PlacedNode[]).push({ op: node[1] as string, name: node[2] as string });
    else current = undefined;
  }
  return Object.keys(counts).length ? { counts, nodes } : undefined;
}

/** Creates a session for `model` on `provider` in a child process and reports where its nodes run. */
export async function nodePlacement(model: Uint8Array, provider: Provider): Promise<Placement> {
  checkProvider(provider);
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-placement-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, model);
    const log = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [fileURLToPath(import.meta.url), file, provider],
        { maxBuffer: 256 << 20, encoding: 'utf8' },
        (err, stdout, stderr) =>
          err ? reject(new Error(`the placement probe failed: ${stderr.trim() || err.message}`)) : resolve(stdout + stderr),
      );
    });
    const placement = parsePlacement(log);
    if (!placement) throw new Error(`onnxruntime's verbose log listed no node placement (${log.length} characters of log)`);
    return placement;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The probe itself: node placement.ts MODEL PROVIDER. */
async function probe(file: string, provider: Provider): Promise<void> {
  const options = { executionProviders: [provider], logSeverityLevel: 0, logVerbosityLevel: 0 } as const;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(readFileSync(file), options);
  } catch (err) {
    throw explainSessionError(provider, err);
  }
  await session.release();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await probe(process.argv[2] as string, checkProvider(process.argv[3] as string));
}
