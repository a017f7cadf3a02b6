// A small semver matcher for plugin host ranges (^, ~, >=, >, <=, <, =, x-ranges, ||), with node-semver's meaning.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: (string | number)[];
}

const VERSION =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Parses 'MAJOR.MINOR.PATCH[-pre][+build]'; undefined when it is not one. */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const prerelease = m[4] ? m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease };
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  // A pre-release sorts before its release; identifiers compare numerically, then as text, numbers first.
  if (!a.prerelease.length || !b.prerelease.length) return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  op: Op;
  version: Version;
}

/** A range: alternatives (||), each a list of comparators that must all hold. */
export type Range = Comparator[][];

const PARTIAL =
  /^(<=|>=|<|>|=|\^|~)?\s*v?(\*|x|X|0|[1-9]\d*)(?:\.(\*|x|X|0|[1-9]\d*))?(?:\.(\*|x|X|0|[1-9]\d*))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

const wild = (s: string | undefined): boolean => s === undefined || s === '*' || s === 'x' || s === 'X';
const v = (major: number, minor = 0, patch = 0, prerelease: Version['prerelease'] = []): Version => ({ major, minor, patch, prerelease });

/** One comparator as written ('^1.2', '>=0.1.0', '1.x') into the plain comparators it stands for. */
function desugar(token: string, range: string): Comparator[] {
  const m = PARTIAL.exec(token);
  if (!m) throw new Error(`'${range}' is not a semver range: cannot read '${token}' (expected e.g. ^1.2.0, ~0.1, >=0.1.0 <1.0.0, 1.x)`);
  const op = m[1] ?? '=';
  const [maj, min, pat] = [m[2], m[3], m[4]];
  // '<*' and '>*' match nothing: no version is below 0.0.0-0.
  if (wild(maj)) return op === '<' || op === '>' ? [{ op: '<', version: v(0, 0, 0, [0]) }] : [];
  const M = Number(maj);
  const n = wild(min) ? undefined : Number(min);
  const p = n === undefined || wild(pat) ? undefined : Number(pat);
  const pre = m[5] && p !== undefined ? m[5].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  const low = v(M, n ?? 0, p ?? 0, pre);
  const ge = (x: Version): Comparator => ({ op: '>=', version: x });
  const lt = (x: Version): Comparator => ({ op: '<', version: x });
  // The first version past a partial one: 1 -> 2.0.0, 1.2 -> 1.3.0.
  const next = n === undefined ? v(M + 1) : p === undefined ? v(M, n + 1) : undefined;
  switch (op) {
    case '^': {
      if (M > 0 || n === undefined) return [ge(low), lt(v(M + 1))];
      if (n > 0 || p === undefined) return [ge(low), lt(v(0, n + 1))];
      return [ge(low), lt(v(0, 0, p + 1))];
    }
    case '~':
      return n === undefined ? [ge(low), lt(v(M + 1))] : [ge(low), lt(v(M, n + 1))];
    case '=':
      return next ? [ge(low), lt(next)] : [{ op: '=', version: low }];
    case '>=':
      return [ge(low)];
    case '>':
      return next ? [ge(next)] : [{ op: '>', version: low }];
    case '<':
      return [lt(low)];
    case '<=':
      return next ? [lt(next)] : [{ op: '<=', version: low }];
    default:
      throw new Error(`'${range}': unknown operator '${op}'`);
  }
}

/** Parses a range; throws an Error that quotes the part it cannot read. */
export function parseRange(range: string): Range {
  if (!range.trim()) return [[]];
  return range.split('||').map((alternative) => {
    // '>= 1.2.0' is one comparator: join an operator to the version after it.
    const tokens = alternative
      .trim()
      .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (!tokens.length) throw new Error(`'${range}' is not a semver range: an alternative between '||' is empty`);
    return tokens.flatMap((t) => desugar(t, range));
  });
}

export function isValidRange(range: string): boolean {
  try {
    parseRange(range);
    return true;
  } catch {
    return false;
  }
}

function test(c: Comparator, x: Version): boolean {
  const d = compareVersions(x, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
  }
}

/** Whether `version` lies in `range`. A malformed version or range throws. */
export function satisfies(version: string | Version, range: string | Range): boolean {
  const x = typeof version === 'string' ? parseVersion(version) : version;
  if (!x) throw new Error(`'${String(version)}' is not a semantic version (MAJOR.MINOR.PATCH)`);
  const sets = typeof range === 'string' ? parseRange(range) : range;
  return sets.some((set) => {
    if (!set.every((c) => test(c, x))) return false;
    if (!x.prerelease.length) return true;
    // node-semver: 1.3.0-beta does not satisfy ^1.2.0 unless the range itself names a 1.3.0 pre-release.
    return set.some(
      (c) => c.version.prerelease.length > 0 && c.version.major === x.major && c.version.minor === x.minor && c.version.patch === x.patch,
    );
  });
}
