// The `tuneql` command as a user runs it: train from a YAML file, metrics.jsonl, the saved model and
// its ONNX export, predict, Ctrl-C and --resume, and clear errors for bad configuration and data.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const PARITY = fileURLToPath(new URL('../../../engine/fixtures/models/parity/bert-sequence-classification', import.meta.url));

const WORDS = ['the', 'a', 'house', 'letter', 'walk', 'garden', 'dance', 'rain', 'tea', 'road', 'ball', 'park', 'book', 'fire', 'hill'];
const MARKERS = ['happy', 'sad', 'angry'];

/** A model folder: the tiny BERT of the parity fixtures plus a WordPiece tokenizer over 64 tokens. */
function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-cli-model-'));
  cpSync(PARITY, dir, { recursive: true });
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS, ...MARKERS];
  while (tokens.length < 64) tokens.push(`[unused${tokens.length}]`);
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    }),
  );
  return dir;
}

function dataFile(dir: string, n: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['text,mood'];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 4 + rng.int(8) }, () => WORDS[rng.int(WORDS.length)] as string);
    const mood = rng.int(3);
    words.splice(rng.int(words.length), 0, MARKERS[mood] as string);
    lines.push(`"${words.join(' ')}",${MARKERS[mood]}`);
  }
  const file = join(dir, `data-${seed}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function setup(extra = ''): { dir: string; config: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-cli-'));
  const model = modelDir();
  const train = dataFile(dir, 160, 1);
  const validation = dataFile(dir, 40, 2);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `model: ${model}
task: sequence-classification
data:
  train: ${train}
  validation: ${validation}
  columns: { text: text, label: mood }
  max_length: 32
training:
  epochs: 6
  batch_size: 8
  learning_rate: 0.01
  warmup_ratio: 0.1
  max_buckets: 2
${extra}seed: 7
threads: 1
`,
  );
  return { dir, config, out: join(dir, 'run') };
}

function tuneql(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function events(out: string): { seq: number; type: string; step: number; [k: string]: unknown }[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('tuneql train and predict', () => {
  it('fine-tunes from a YAML file, writes metrics.jsonl, the model and its ONNX export, and predicts', () => {
    const { config, out } = setup();
    const r = tuneql(['train', config, '--out', out]);
    expect(r.stderr).toContain('data: 160 train, 40 validation, 0 test examples; 3 labels');
    expect(r.code).toBe(0);
    // Figures for people: 4 significant digits, no float noise like 269.64999999999986.
    expect(r.stderr).toMatch(/tokens per example: median \d+(\.\d+)?, 95th percentile \d+(\.\d+)?, max \d+/);
    expect(r.stderr).not.toMatch(/\.\d{10,}/);
    const log = events(out);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log[0]).toMatchObject({ type: 'started', step: 0, epoch: 0 });
    const step = log.find((e) => e.type === 'step');
    expect(Object.keys(step ?? {})).toEqual(
      expect.arrayContaining(['seq', 'type', 'step', 'epoch', 'time', 'loss', 'learning_rate', 'grad_norm', 'tokens_per_s']),
    );
    const evals = log.filter((e) => e.type === 'eval');
    expect(evals).toHaveLength(6);
    expect(Math.max(...evals.map((e) => e.eval_accuracy as number))).toBeGreaterThan(0.8);
    expect(log.at(-1)?.type).toBe('finished');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tuneql.json', 'model.onnx'])
      expect(existsSync(join(out, 'model', f)), f).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8'));
    expect(saved.id2label).toEqual({ 0: 'angry', 1: 'happy', 2: 'sad' });
    expect(saved.architectures).toEqual(['BertForSequenceClassification']);

    const p = tuneql(['predict', join(out, 'model'), 'the house happy garden tea', '--json']);
    expect(p.code).toBe(0);
    const prediction = JSON.parse(p.stdout);
    expect(prediction.labels[0].label).toBe('happy');
    expect(prediction.labels.reduce((s: number, l: { score: number }) => s + l.score, 0)).toBeCloseTo(1, 5);
    expect(tuneql(['predict', join(out, 'model'), 'a sad walk in the rain']).stdout.split('\n')[0]).toMatch(/^sad\t\d+\.\d%$/);
  }, 180_000);

  it('finds the learning rate with --find-lr alone, and trains at the same rate when the config asks for it', () => {
    const { config, out } = setup();
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('learning_rate: 0.01', 'find_learning_rate: true').replace('epochs: 6', 'epochs: 2'),
    );
    const alone = tuneql(['train', config, '--find-lr']);
    expect(alone.code).toBe(0);
    expect(alone.stdout.split('\n')[0]).toBe('learning rate   smoothed loss');
    expect(alone.stdout).toMatch(/^1\.00e-7 +\d\.\d{4}$/m);
    const suggested = Number(/suggested learning_rate: ([\d.e-]+) \(the steepest fall of the loss\)/.exec(alone.stdout)?.[1]);
    expect(suggested).toBeGreaterThanOrEqual(1e-4);
    expect(suggested).toBeLessThanOrEqual(0.5);
    expect(existsSync(out)).toBe(false);

    const r = tuneql(['train', config, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/learning rate [\d.e-]+ from a range test over \d+ steps \(the steepest fall of the loss/);
    const log = events(out);
    const started = log[0] as unknown as { learning_rate: number };
    // The rate --find-lr printed (4 significant figures), the peak of the run's schedule.
    expect(started.learning_rate).toBeCloseTo(suggested, -Math.floor(Math.log10(suggested)) + 3);
    expect(Math.max(...log.filter((e) => e.type === 'step').map((e) => e.learning_rate as number))).toBeCloseTo(started.learning_rate, 12);
  }, 120_000);

  it('stops on Ctrl-C with a checkpoint, and --resume finishes the run without duplicate events', async () => {
    const { config, out } = setup();
    const child = spawn(process.execPath, [MAIN, 'train', config, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    // Interrupt once a few steps are in metrics.jsonl.
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        if (existsSync(join(out, 'metrics.jsonl')) && events(out).filter((e) => e.type === 'step').length >= 30) {
          clearInterval(timer);
          child.kill('SIGINT');
          done();
        }
      }, 20);
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(130);
    expect(stderr).toContain('stopping after this step');
    expect(events(out).at(-1)?.type).toBe('cancelled');
    expect(tuneql(['train', config, '--out', out]).stderr).toContain('already holds a run (metrics.jsonl); pass --resume');
    const r = tuneql(['train', config, '--out', out, '--resume']);
    expect(r.code).toBe(0);
    const log = events(out);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const steps = log.filter((e) => e.type === 'step').map((e) => e.step);
    expect(steps).toEqual(steps.map((_, i) => i + 1));
    expect(log.at(-1)?.type).toBe('finished');
  }, 180_000);

  it('names every problem of a bad configuration file', () => {
    const { config, out } = setup('  colour: blue\n');
    writeFileSync(config, readFileSync(config, 'utf8').replace('batch_size: 8', 'batch_size: eight'));
    const r = tuneql(['train', config, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${config}: 2 problems:`);
    expect(r.stderr).toContain('training.batch_size: Invalid input: expected number, received string');
    expect(r.stderr).toMatch(/\(top level\): Unrecognized key: "colour"|colour/);
  });

  it("refuses a metric the task lacks and a max_length past the model, with the API's messages, and starts nothing", () => {
    const { config, out } = setup('  metric: acuracy\n');
    const metric = tuneql(['train', config, '--out', out]);
    expect(metric.code).toBe(1);
    expect(metric.stderr).toContain(
      "training.metric: sequence-classification has no metric 'acuracy' (did you mean 'accuracy'?); its metrics are loss, accuracy, f1_macro,",
    );
    const long = setup();
    writeFileSync(long.config, readFileSync(long.config, 'utf8').replace('max_length: 32', 'max_length: 64'));
    const model = readFileSync(long.config, 'utf8').match(/^model: (.*)$/m)?.[1] as string;
    const r = tuneql(['train', long.config, '--out', long.out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `data.max_length 64 is more than the 32 positions of model ${model.split('/').pop()}; set data.max_length to 32 or less`,
    );
    expect(r.stderr).not.toMatch(/^data: /m); // refused before the data was read
    for (const dir of [out, long.out]) expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(false);
  });

  it('reports every bad row of the data with its file and row, and starts nothing', () => {
    const { dir, config, out } = setup();
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'text,mood\n"the house happy",happy\n"",sad\n"a walk",\n"unterminated,sad\n');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/train: .*\n/, `train: ${bad}\n`));
    const r = tuneql(['train', config, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/row \d/);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
  });

  it('prints up to 20 problems of each kind and how many of each there are', () => {
    const { dir, config, out } = setup();
    const bad = join(dir, 'many.csv');
    writeFileSync(bad, `text,mood\n${'"",happy\n'.repeat(300)}"a walk",\n`);
    writeFileSync(config, readFileSync(config, 'utf8').replace(/train: .*\n/, `train: ${bad}\n`));
    const r = tuneql(['train', config, '--out', out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('tuneql: the dataset has 301 problems; fix them and load it again:');
    expect(lines.filter((l) => l.startsWith(`  ${bad} row `) && l.includes("column 'text': is empty"))).toHaveLength(20);
    expect(lines).toContain(`  ${bad} row 302, column 'mood': is empty; every row needs a label`);
    expect(lines).toContain(`  300 issues (20 listed) in ${bad}, column 'text': is empty; remove the row or fill in the text`);
    expect(lines).toContain(`  1 issue in ${bad}, column 'mood': is empty; every row needs a label`);
    expect(r.stderr).not.toContain('DatasetError.issues');
  });

  it("runs the project's own checkpoints straight from their Hugging Face folders", () => {
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const gpt = tuneql([
      'predict',
      `${root}models/austen-gpt2-mini`,
      'It is a truth universally acknowledged',
      '--json',
      '--max-new-tokens',
      '8',
    ]);
    expect(gpt.code).toBe(0);
    const continuation = JSON.parse(gpt.stdout);
    expect(continuation.task).toBe('causal-lm');
    expect(continuation.continuation.trim().length).toBeGreaterThan(0);
    const bert = tuneql(['predict', `${root}models/austen-bert-mini`, 'she was [MASK] to see him.', '--json']);
    expect(bert.code).toBe(0);
    const fills = JSON.parse(bert.stdout).fills;
    expect(fills).toHaveLength(1);
    expect(fills[0]).toHaveLength(5);
    expect(fills[0][0].score).toBeGreaterThanOrEqual(fills[0][4].score);
  });

  it('explains its usage', () => {
    const r = tuneql(['fly']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'fly'");
    expect(r.stderr).toContain('tuneql train CONFIG --out DIR');
    for (const flag of ['--help', '-h', 'help']) {
      const help = tuneql([flag]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage:\n {2}tuneql --help \| --version\n/);
      expect(help.stdout).toContain("Paths in a train CONFIG resolve against the CONFIG file's folder.");
    }
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    const version = tuneql(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`tuneql ${pkg.version}\n`);
  });
});
