// Figures for dataset work off the event loop: how long validating and tokenizing take in a data thread, how
// much the process's resident memory grows, and the longest the main event loop stalls meanwhile (what an API
// would feel). Prints figures, asserts nothing.
//
//   node packages/server/bench/data.bench.ts [--json] [--quick]
//
// Files, written to a temporary folder: 18 MB of empty CSV rows (`,` under a `text,label` header: two issues
// a row, 9.4 million rows) and the Austen paragraphs copied 100 times (83 MB of JSONL, 188,800 rows).
// --quick: a tenth of each. Validation is createDataset's (every row checked, the issues capped and counted,
// the file summarized); tokenizing is preflight's and a run's (austen-bert-mini's tokenizer, max_length 128,
// the examples packed, sent over and rebuilt here).

import { once } from 'node:events';
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DatasetError, DataThreads, unpackDataset } from '@tuneql/engine';
import { tempDir } from '../../../tests/server/harness.ts';
import { walkArgs } from '../../engine/bench/args.ts';
import { type Line, printTable, round } from '../../engine/bench/report.ts';

const REPO = join(import.meta.dirname, '../../..');
const AUSTEN = join(REPO, 'examples/austen/novels.jsonl');
const TOKENIZER = join(REPO, 'models/austen-bert-mini/tokenizer.json');

async function writeRepeated(path: string, head: string, body: string, times: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(head);
  for (let i = 0; i < times; i++) if (!out.write(body)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** Runs `work` while watching the main loop's delay and the process's resident memory. */
async function measure<T>(work: () => Promise<T>): Promise<{ value: T | Error; seconds: number; rssMiB: number; loopMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  delay.enable();
  const t0 = performance.now();
  const value = await work().catch((err: Error) => err);
  const seconds = (performance.now() - t0) / 1000;
  // One more turn of the loop, so a stall at the very end is recorded too.
  await new Promise((r) => setTimeout(r, 10));
  delay.disable();
  clearInterval(sampler);
  return { value, seconds: round(seconds, 2), rssMiB: round((peak - before) / 2 ** 20, 0), loopMs: round(delay.max / 1e6, 0) };
}

async function main(): Promise<void> {
  let json = false;
  let scale = 1;
  walkArgs(process.argv.slice(2), '--json, --quick', (flag) => {
    if (flag === '--json') json = true;
    else if (flag === '--quick') scale = 0.1;
    else return false;
    return true;
  });
  const dir = tempDir('data-bench');
  const threads = new DataThreads();
  const lines: Line[] = [];
  try {
    const empty = join(dir, 'empty.csv');
    await writeRepeated(empty, 'text,label\n', ',\n'.repeat(1024), Math.round(9 * 1024 * scale));
    const valid = join(dir, 'austen.jsonl');
    await writeRepeated(valid, '', readFileSync(AUSTEN, 'utf8'), Math.round(100 * scale));
    const split = { validation: 0.1, test: 0.1, seed: 42 };

    for (const [name, file] of [
      ['empty rows', empty],
      ['austen x100', valid],
    ] as const) {
      const m = await measure(() => threads.summarize(file, {}, { task: 'sequence-classification' }, split));
      const outcome =
        m.value instanceof DatasetError
          ? `${m.value.total} issues, ${m.value.issues.length} listed, ${JSON.stringify(m.value.issues).length} bytes`
          : m.value instanceof Error
            ? `failed: ${m.value.message}`
            : `${m.value.summary.rows} rows`;
      lines.push({
        work: 'validate',
        file: name,
        mb: round(megabytes(file), 1),
        seconds: m.seconds,
        rss_mib: m.rssMiB,
        max_loop_ms: m.loopMs,
        outcome,
      });
    }
    const tokenize = await measure(async () =>
      unpackDataset(
        await threads.loadPacked({ files: { file: valid }, task: 'sequence-classification', tokenizerFile: TOKENIZER, maxLength: 128 }),
      ),
    );
    const examples = tokenize.value instanceof Error ? tokenize.value.message : `${tokenize.value.train.length} train examples`;
    lines.push({
      work: 'tokenize',
      file: 'austen x100',
      mb: round(megabytes(valid), 1),
      seconds: tokenize.seconds,
      rss_mib: tokenize.rssMiB,
      max_loop_ms: tokenize.loopMs,
      outcome: examples,
    });
  } finally {
    await threads.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify({ levels: lines }));
  else printTable(lines);
}

function megabytes(path: string): number {
  return statSync(path).size / 1e6;
}

await main();
