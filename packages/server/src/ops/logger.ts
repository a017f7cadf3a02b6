// The process's structured log: JSON lines on stdout for collectors, pino-pretty's coloured lines when
// stdout is a terminal; child loggers carry runId, workerId and reqId so every line says what it is about.

import { type DestinationStream, destination, type Logger, type LoggerOptions, levels, pino, stdTimeFunctions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = Object.keys(levels.values);

export interface LoggerSettings {
  /** The least severe level written: trace, debug, info, warn, error, fatal or silent. @default info (TUNEQL_LOG_LEVEL) */
  level?: string;
  /** Human-readable lines instead of JSON. @default whether stdout is a terminal */
  pretty?: boolean;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

export class LogLevelError extends Error {
  override name = 'LogLevelError';
}

/** The level from TUNEQL_LOG_LEVEL, refusing a misspelt one rather than logging nothing or everything. */
export function logLevelFrom(env: NodeJS.ProcessEnv): string {
  const level = (env.TUNEQL_LOG_LEVEL ?? '').trim().toLowerCase() || 'info';
  if (level !== 'silent' && !LOG_LEVELS.includes(level)) {
    throw new LogLevelError(`TUNEQL_LOG_LEVEL=${env.TUNEQL_LOG_LEVEL}: expected one of ${[...LOG_LEVELS, 'silent'].join(', ')}`);
  }
  return level;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const prettyLines = settings.pretty ?? process.stdout.isTTY === true;
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    // ISO times and level names: what log collectors and people read without a lookup table.
    timestamp: stdTimeFunctions.isoTime,
    ...(prettyLines ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
    // The bearer token must never reach a log, whichever serializer a line went through.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
  };
  if (settings.destination) return pino(options, settings.destination);
  // Synchronous, so lines written just before process.exit() are not lost.
  if (prettyLines) return pino(options, pretty({ colorize: true, sync: true, singleLine: true, ignore: 'pid,hostname' }));
  return pino(options, destination({ fd: 1, sync: true }));
}

let root: Logger | undefined;

/** The process's logger, made from the environment on first use. */
export function logger(): Logger {
  root ??= createLogger({ level: logLevelFrom(process.env) });
  return root;
}

/** Replaces the process's logger (a test that reads the lines, or a host embedding the server). */
export function setLogger(log: Logger): void {
  root = log;
}
