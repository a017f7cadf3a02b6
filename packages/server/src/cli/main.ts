#!/usr/bin/env node
// The `tuneql` command: serve the platform, run workers, manage tokens, train and predict from the shell.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DatasetError, GenerationOptionError } from '@tuneql/engine';
import type { ApiError } from './api-client.ts';
import { describePrediction, GENERATION_FLAGS, predict } from './predict.ts';
import { findLearningRateCommand, trainCommand } from './train.ts';

const USAGE = `usage:
  tuneql --help | --version
  tuneql serve [--data DIR] [--host H] [--port N] [--workers N] [--plugins A,B] [--demo-run]
                                               the GraphQL API with in-process workers (embedded database
                                               unless DATABASE_URL is set); --demo-run fine-tunes the demo model
  tuneql worker [--data DIR] [--concurrency N]  a worker process for the same database (/healthz, /readyz and
                                               /metrics on TUNEQL_WORKER_PORT when set)
  tuneql token create NAME [--scope read] [--scope write] | list | revoke ID
  tuneql train CONFIG --out DIR [--resume]     fine-tune as CONFIG (JSON or YAML) says; results in DIR
  tuneql train CONFIG --find-lr                run the learning-rate range test alone and print the rate it picks
  tuneql sweep FILE [--server URL] [--token T] [--detach]
                                               create a hyperparameter sweep on a server from FILE (YAML or
                                               JSON) and follow its trials to the promoted one; exits 1 unless
                                               it succeeded. --server defaults to $TUNEQL_SERVER, else
                                               http://127.0.0.1:4000; --token to $TUNEQL_TOKEN
  tuneql sweep watch ID | cancel ID [--server URL] [--token T]
                                               follow a running sweep, or stop it
  tuneql predict MODEL_DIR TEXT [--pair TEXT | --context TEXT] [--json]
                [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P]
                [--repetition-penalty R] [--seed S] [--stop TEXT]...
                                               run a fine-tuned model (DIR/model) on TEXT; a causal LM
                                               continues it (greedy unless a sampling flag is given)
Paths in a train CONFIG resolve against the CONFIG file's folder. See README.md for every setting.`;

/** The server package's version (the command's). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv.filter((a) => a !== '--');
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`tuneql ${version()}\n`);
    return 0;
  }
  if (command === 'serve' || command === 'worker' || command === 'token') {
    const commands = await import('./serve.ts');
    if (command === 'serve') await commands.serveCommand(rest).catch(commands.exitLogged);
    else if (command === 'worker') await commands.workerCommand(rest).catch(commands.exitLogged);
    else {
      await commands.tokenCommand(rest);
      return 0;
    }
    // The server or worker keeps the process alive until a signal stops it.
    return new Promise<number>(() => {});
  }
  if (command === 'train') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { out: { type: 'string' }, resume: { type: 'boolean' }, 'find-lr': { type: 'boolean' } },
    });
    if (values['find-lr']) {
      if (positionals.length !== 1) throw new UsageError('tuneql train --find-lr needs CONFIG');
      await findLearningRateCommand({ config: positionals[0] as string });
      return 0;
    }
    if (positionals.length !== 1 || !values.out) throw new UsageError('tuneql train needs CONFIG and --out DIR');
    const controller = new AbortController();
    let interrupts = 0;
    process.on('SIGINT', () => {
      // First Ctrl-C: stop after the current step and write a checkpoint; second: leave now.
      if (++interrupts > 1) process.exit(130);
      process.stderr.write('\nstopping after this step (a checkpoint is written; --resume continues); Ctrl-C again to quit now\n');
      controller.abort();
    });
    const result = await trainCommand({
      config: positionals[0] as string,
      out: values.out,
      resume: values.resume,
      signal: controller.signal,
    });
    return result.status === 'failed' ? 1 : result.status === 'cancelled' ? 130 : 0;
  }
  if (command === 'sweep') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { server: { type: 'string' }, token: { type: 'string' }, detach: { type: 'boolean' } },
    });
    const api = {
      url: (values.server ?? process.env.TUNEQL_SERVER ?? 'http://127.0.0.1:4000').replace(/\/+$/, '').replace(/\/graphql$/, ''),
      token: values.token ?? (process.env.TUNEQL_TOKEN || undefined),
    };
    const sweeps = await import('./sweep.ts');
    const [first, id] = positionals;
    if (positionals.length === 2 && first === 'cancel') {
      await sweeps.cancelSweepCommand(id as string, api);
      return 0;
    }
    const controller = new AbortController();
    // Ctrl-C stops following; the sweep runs on the server (tuneql sweep cancel stops it).
    process.once('SIGINT', () => controller.abort());
    let status: string;
    if (positionals.length === 2 && first === 'watch')
      status = await sweeps.watchSweep(id as string, { ...api, signal: controller.signal });
    else if (positionals.length === 1)
      status = await sweeps.sweepCommand(first as string, { ...api, detach: values.detach, signal: controller.signal });
    else throw new UsageError('tuneql sweep needs FILE, or watch ID, or cancel ID');
    if (controller.signal.aborted) return 130;
    return status === 'SUCCEEDED' || (values.detach && status === 'RUNNING') ? 0 : 1;
  }
  if (command === 'predict') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        pair: { type: 'string' },
        context: { type: 'string' },
        json: { type: 'boolean' },
        'max-new-tokens': { type: 'string' },
        temperature: { type: 'string' },
        'top-k': { type: 'string' },
        'top-p': { type: 'string' },
        'repetition-penalty': { type: 'string' },
        seed: { type: 'string' },
        stop: { type: 'string', multiple: true },
      },
    });
    if (positionals.length !== 2) throw new UsageError('tuneql predict needs MODEL_DIR and TEXT');
    const number = (flag: keyof typeof values): number | undefined => {
      const raw = values[flag];
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (typeof raw !== 'string' || raw.trim() === '' || Number.isNaN(n))
        throw new UsageError(`--${flag} needs a number, got '${String(raw)}'`);
      return n;
    };
    const prediction = await predict({
      model: positionals[0] as string,
      text: positionals[1] as string,
      pair: values.context ?? values.pair,
      maxNewTokens: number('max-new-tokens'),
      temperature: number('temperature'),
      topK: number('top-k'),
      topP: number('top-p'),
      repetitionPenalty: number('repetition-penalty'),
      seed: number('seed'),
      stop: values.stop,
    }).catch((err: unknown) => {
      // The option's flag, not its name in the API.
      if (err instanceof GenerationOptionError && GENERATION_FLAGS[err.option])
        throw new UsageError(`${GENERATION_FLAGS[err.option]} ${err.message.slice(err.message.indexOf(': ') + 2)}`);
      throw err;
    });
    process.stdout.write(`${values.json ? JSON.stringify(prediction) : describePrediction(prediction)}\n`);
    return 0;
  }
  throw new UsageError(command ? `unknown command '${command}'` : 'no command');
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`tuneql: ${err.message}\n${USAGE}\n`);
    // Every listed problem (up to 20 of each kind) and the counts, not only the message's first few.
    else if (err instanceof DatasetError) process.stderr.write(`tuneql: ${err.report()}\n`);
    // A server's refusal with its code (SWEEP_PARAMETER_UNKNOWN...) and the field at fault.
    else if (err instanceof Error && err.name === 'ApiError') process.stderr.write(`tuneql: ${(err as ApiError).describe()}\n`);
    else process.stderr.write(`tuneql: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
