// RateLimits: per-token and per-address counts, and the cap on predictions running at once.

import { describe, expect, it } from 'vitest';
import type { RateLimitSettings } from '../config/settings.ts';
import { AppError } from '../graphql/errors.ts';
import { clientKey, RateLimits } from './rate-limits.ts';

const SETTINGS: RateLimitSettings = {
  perToken: 3,
  perAddress: 5,
  uploads: 1,
  predict: 2,
  concurrentPredicts: 2,
  subscriptionsPerSocket: 10,
};

async function refusal(p: Promise<unknown>): Promise<AppError | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => err as AppError,
  );
}

describe('RateLimits', () => {
  it('counts each token and each address; a refusal says which, and when to retry', async () => {
    const limits = new RateLimits(SETTINGS);
    const a = clientKey('10.0.0.1', 'Bearer tql_a');
    const b = clientKey('10.0.0.1', 'Bearer tql_b');
    for (let i = 0; i < 3; i++) await limits.consume('operations', a);
    const overToken = await refusal(limits.consume('operations', a));
    expect(overToken).toBeInstanceOf(AppError);
    expect(overToken?.code).toBe('RATE_LIMITED');
    expect(overToken?.details).toMatchObject({ per: 'token', retryAfterSeconds: expect.any(Number) });
    await limits.consume('operations', b); // the address's fifth
    const overAddress = await refusal(limits.consume('operations', b));
    expect(overAddress?.details).toMatchObject({ per: 'address' });
    // Another address is counted apart; uploads and predictions have counts of their own.
    await limits.consume('operations', clientKey('10.0.0.2', undefined));
    await limits.consume('uploads', a);
    expect((await refusal(limits.consume('uploads', a)))?.code).toBe('RATE_LIMITED');
  });

  it('turns a limit off at 0', async () => {
    const limits = new RateLimits({ ...SETTINGS, perToken: 0, perAddress: 0 });
    for (let i = 0; i < 100; i++) await limits.consume('operations', clientKey('10.0.0.1', 'Bearer x'));
  });

  it(`runs at most concurrentPredicts predictions at once`, async () => {
    const limits = new RateLimits(SETTINGS);
    const release: (() => void)[] = [];
    const held = () => limits.predicting(() => new Promise<string>((r) => release.push(() => r('done'))));
    const first = held();
    const second = held();
    const third = await refusal(held());
    expect(third?.code).toBe('RATE_LIMITED');
    expect(third?.message).toMatch(/2 predictions are running.*TUNEQL_MAX_CONCURRENT_PREDICTS/);
    for (const r of release.splice(0)) r();
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    // Finished ones free their places, failed ones too.
    await expect(limits.predicting(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const again = held();
    for (const r of release.splice(0)) r();
    expect(await again).toBe('done');
  });
});
