// The host-range matcher against node-semver's documented meaning of each range form.

import { describe, expect, it } from 'vitest';
import { compareVersions, isValidRange, parseVersion, satisfies } from './semver.ts';

describe('semver', () => {
  it('orders versions, pre-releases before their release', () => {
    const order = [
      '0.1.0-alpha',
      '0.1.0-alpha.1',
      '0.1.0-alpha.beta',
      '0.1.0-beta.2',
      '0.1.0-beta.11',
      '0.1.0-rc.1',
      '0.1.0',
      '0.1.1',
      '1.0.0',
    ];
    for (let i = 1; i < order.length; i++) {
      expect(
        compareVersions(parseVersion(order[i - 1] as string)!, parseVersion(order[i] as string)!),
        `${order[i - 1]} < ${order[i]}`,
      ).toBe(-1);
    }
    expect(parseVersion('1.2')).toBeUndefined();
    expect(parseVersion('01.2.3')).toBeUndefined();
    expect(parseVersion('1.2.3+build.5')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: [] });
  });

  it.each([
    ['0.1.0', '^0.1.0', true],
    ['0.1.9', '^0.1.0', true],
    ['0.2.0', '^0.1.0', false],
    ['0.0.4', '^0.0.3', false],
    ['1.9.0', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['0.9.0', '^0.x', true],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.9.0', '~1', true],
    ['0.1.0', '>=0.1.0', true],
    ['0.0.9', '>=0.1.0', false],
    ['0.1.0', '>= 0.1.0 < 1.0.0', true],
    ['1.0.0', '>=0.1.0 <1.0.0', false],
    ['1.3.0', '>1.2', true],
    ['1.2.9', '>1.2', false],
    ['1.2.9', '<=1.2', true],
    ['1.3.0', '<=1.2', false],
    ['1.2.0', '<1.2', false],
    ['1.2.5', '1.2.x', true],
    ['1.3.0', '1.2.x', false],
    ['7.0.0', '*', true],
    ['7.0.0', '', true],
    ['1.5.0', '1', true],
    ['0.1.0', '^2.0.0 || ^0.1.0', true],
    ['0.3.0', '^2.0.0 || ^0.1.0', false],
    ['0.1.0', '=0.1.0', true],
    ['0.1.0', '<*', false],
    // A pre-release matches only a range that names a pre-release of the same version.
    ['0.2.0-beta.1', '^0.1.0', false],
    ['0.1.0-beta.2', '^0.1.0-beta.1', true],
    ['0.1.1-beta.2', '^0.1.0-beta.1', false],
  ] as const)('%s in %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  it('refuses what is not a range, quoting the part it cannot read', () => {
    expect(isValidRange('^0.1.0')).toBe(true);
    expect(isValidRange('latest')).toBe(false);
    expect(() => satisfies('0.1.0', '^0.1.0 || banana')).toThrow("cannot read 'banana'");
    expect(() => satisfies('0.1', '^0.1.0')).toThrow("'0.1' is not a semantic version");
    expect(() => satisfies('0.1.0', '^0.1.0 ||')).toThrow('an alternative between');
  });
});
