// The logger: JSON lines with level names, ISO times and the fields of child loggers; the level setting.

import { expect, it } from 'vitest';
import { createLogger, LogLevelError, logLevelFrom } from './logger.ts';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level, pretty: false, destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  return { log, lines };
}

it('writes JSON lines with the level name, an ISO time and the fields of child loggers', () => {
  const { log, lines } = capture();
  log.child({ workerId: 'w1' }).child({ runId: 'r1', attempt: 2 }).info({ step: 3 }, 'step 3/10');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'info', workerId: 'w1', runId: 'r1', attempt: 2, step: 3, msg: 'step 3/10' });
  expect(new Date(lines[0]?.time as string).toISOString()).toBe(lines[0]?.time);
});

it('leaves out lines below the level', () => {
  const { log, lines } = capture('warn');
  log.info('routine');
  log.warn('odd');
  expect(lines.map((l) => l.msg)).toEqual(['odd']);
});

it('never writes a bearer token', () => {
  const { log, lines } = capture();
  log.info({ req: { headers: { authorization: 'Bearer tq_secret' } } }, 'request');
  expect(JSON.stringify(lines)).not.toContain('tq_secret');
});

it('reads TUNEQL_LOG_LEVEL, info by default, and refuses an unknown level by name', () => {
  expect(logLevelFrom({})).toBe('info');
  expect(logLevelFrom({ TUNEQL_LOG_LEVEL: ' DEBUG ' })).toBe('debug');
  expect(logLevelFrom({ TUNEQL_LOG_LEVEL: 'silent' })).toBe('silent');
  expect(() => logLevelFrom({ TUNEQL_LOG_LEVEL: 'verbose' })).toThrow(LogLevelError);
  expect(() => logLevelFrom({ TUNEQL_LOG_LEVEL: 'verbose' })).toThrow(/TUNEQL_LOG_LEVEL=verbose: expected one of trace, debug, info/);
});
