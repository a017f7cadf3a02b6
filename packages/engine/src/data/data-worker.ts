// The data thread: reads, validates, tokenizes and measures one dataset request off the main event loop, reporting
// progress, then exits. Its answers are small (summaries, capped issues) or transferred typed arrays.

import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ChatTemplateError, readChatTemplate } from '../chat/template.ts';
import { Tokenizer } from '../tokenizers/index.ts';
import type { DataReply, DataRequest, WireDataError } from './data-protocol.ts';
import { type DataProgress, loadDataset, readRecords } from './dataset.ts';
import { DatasetError } from './issues.ts';
import { packDataset, transferList } from './packed.ts';
import { streamTable } from './read.ts';
import { summarizeRecords, tokenLengths } from './summary.ts';
import type { SourceRow } from './table.ts';

const port = parentPort;
if (!port) throw new Error('data-worker.ts must run as a worker thread');

/** At most one progress message per interval: enough for a progress bar, not a flood. */
const PROGRESS_MS = 250;
let lastProgress = 0;
function progress(p: DataProgress): void {
  const now = Date.now();
  if (now - lastProgress < PROGRESS_MS) return;
  lastProgress = now;
  port?.postMessage({ type: 'progress', progress: p } satisfies DataReply);
}

function toWire(err: unknown): WireDataError {
  if (err instanceof DatasetError) return { name: err.name, message: err.message, issues: [...err.issues], kinds: [...err.kinds] };
  if (err instanceof ChatTemplateError) return { name: err.name, message: err.message, code: err.code, template: err.template };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

async function handle(request: DataRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (request.type) {
    case 'summarize': {
      const { records, labels } = await readRecords([request.source], request.read, request.validate, progress);
      const summary = summarizeRecords(records[0] ?? [], labels, request.split);
      return { value: { summary, labels }, transfer: [] };
    }
    case 'load': {
      const { tokenizerFile, ...options } = request.options;
      // The model's chat template lies beside its tokenizer.json, in the model folder.
      const chatTemplate = options.chatTemplate ?? (options.task === 'causal-lm' ? readChatTemplate(dirname(tokenizerFile)) : undefined);
      const loaded = await loadDataset({ ...options, chatTemplate, tokenizer: Tokenizer.fromFile(tokenizerFile), onProgress: progress });
      const packed = packDataset(loaded);
      return { value: packed, transfer: transferList(packed) };
    }
    case 'tokenLengths': {
      const { records } = await readRecords([request.source], request.read, request.validate, progress);
      const all = records[0] ?? [];
      const tokenizer = Tokenizer.fromFile(request.tokenizerFile);
      const template = request.validate.task === 'causal-lm' ? readChatTemplate(dirname(request.tokenizerFile)) : undefined;
      const lengths = tokenLengths(all, tokenizer, (done) => progress({ phase: 'tokenizing', done, total: all.length }), template);
      return { value: lengths, transfer: [lengths.buffer as ArrayBuffer] };
    }
    case 'preview': {
      const rows: SourceRow[] = [];
      let seen = 0;
      const end = request.offset + request.limit;
      await streamTable(
        request.source,
        request.read,
        {
          row: (r) => {
            if (seen++ >= request.offset && rows.length < request.limit) rows.push(r);
          },
          issue: () => {},
        },
        { stop: () => seen >= end },
      );
      return { value: rows, transfer: [] };
    }
  }
}

handle(workerData as DataRequest).then(
  ({ value, transfer }) => port.postMessage({ type: 'done', value } satisfies DataReply, transfer),
  // A DatasetError crosses with its issues and counts; a DatasetConfigError (a mapping refused before reading) by its name.
  (err: unknown) => port.postMessage({ type: 'error', error: toWire(err) } satisfies DataReply),
);
