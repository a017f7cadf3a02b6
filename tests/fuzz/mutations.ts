// Arbitraries that damage well-formed inputs: byte-level edits of a file, and edits of a JSON document at paths
// chosen by the caller (a field deleted, replaced by a value of the wrong type, an extreme number, a huge string).

import fc from 'fast-check';

/** Byte sequences that readers treat specially: BOMs, NUL, quotes, line breaks, bad UTF-8, a lone surrogate. */
const SPECIAL_BYTES: readonly number[][] = [
  [0xef, 0xbb, 0xbf],
  [0xff, 0xfe],
  [0xfe, 0xff],
  [0x00],
  [0x22],
  [0x22, 0x22],
  [0x0d],
  [0x0a],
  [0x0d, 0x0a],
  [0x2c],
  [0x09],
  [0xc3],
  [0xff],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x7b],
  [0x5b],
];

export type ByteEdit =
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'huge'; at: number; byte: number; length: number };

/** One edit; positions are fractions of the length (0..1), so they fit whatever the base's size. */
export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.oneof(fc.constantFrom(...SPECIAL_BYTES), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 512 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('huge' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    byte: fc.constantFrom(0x78, 0x22, 0x2c, 0x0a, 0x00, 0x5b),
    length: fc.integer({ min: 10_000, max: 400_000 }),
  }),
);

export function applyByteEdits(base: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let bytes = Buffer.from(base);
  for (const edit of edits) {
    const at = Math.min(bytes.length, Math.floor(edit.at * (bytes.length + 1)));
    switch (edit.kind) {
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.bytes), bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
        break;
      case 'flip':
        if (at < bytes.length) bytes[at] = edit.value;
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + edit.length), bytes.subarray(at)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'huge':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(edit.length, edit.byte), bytes.subarray(at)]);
        break;
    }
  }
  return new Uint8Array(bytes);
}

/** Up to `max` edits of the base bytes (none leaves the input well-formed). */
export function mutatedBytes(base: fc.Arbitrary<Uint8Array>, max = 4): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(byteEdit, { maxLength: max })).map(([bytes, edits]) => applyByteEdits(bytes, edits));
}

/** JSON values a reader does not expect where a field is: wrong types, extreme and fractional numbers, huge text. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0.5,
    2 ** 31,
    2 ** 53,
    1e308,
    -1e308,
    '',
    ' ',
    '__proto__',
    'constructor',
    'toString',
    [],
    {},
    [null],
    { type: 'nope' },
  ),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 1, maxLength: 3 }).map((s) => s.repeat(50_000)),
  fc.jsonValue({ maxDepth: 3 }),
);

export type JsonPath = (string | number)[];

export type JsonEdit = { path: JsonPath; kind: 'delete' } | { path: JsonPath; kind: 'set'; value: unknown };

/** Every path in `value`, descending no deeper than `keep(path)` allows (so a 30,000-entry vocab is one path). */
export function jsonPaths(value: unknown, keep: (path: JsonPath) => boolean = () => true, at: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [at];
  if (!keep(at) || value === null || typeof value !== 'object') return out;
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  for (const [key, child] of children) out.push(...jsonPaths(child, keep, [...at, key]));
  return out;
}

/** Edits at the given paths: deletions, values of the wrong type, or `extra` values (other valid type names, say). */
export function jsonEdit(paths: readonly JsonPath[], extra: fc.Arbitrary<unknown> = hostileJson): fc.Arbitrary<JsonEdit> {
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    path.map((p) => ({ path: p, kind: 'delete' as const })),
    fc.record({ path, kind: fc.constant('set' as const), value: fc.oneof(hostileJson, extra) }),
  );
}

/** Sizes and counts worth trying wherever a document holds a number: large enough to exhaust memory if trusted. */
const extremeNumber = fc.constantFrom(-1, 0, 0.5, 65_537, 1e7, 2 ** 31, 2 ** 53, 1e308);

/**
 * Edits at the given paths, half of them an extreme number at one of the document's numeric fields (where a
 * declared size is read), so that damage to sizes is not left to chance among hundreds of paths.
 */
export function documentEdit(value: unknown, paths: readonly JsonPath[], extra?: fc.Arbitrary<unknown>): fc.Arbitrary<JsonEdit> {
  const numeric = paths.filter((p) => typeof p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], value) === 'number');
  if (numeric.length === 0) return jsonEdit(paths, extra);
  return fc.oneof(
    jsonEdit(paths, extra),
    fc.record({ path: fc.constantFrom(...numeric), kind: fc.constant('set' as const), value: extremeNumber }),
  );
}

/** A deep copy of `value` with the edits applied in order (an edit whose path is gone does nothing). */
export function applyJsonEdits(value: unknown, edits: readonly JsonEdit[]): unknown {
  let root = structuredClone(value);
  for (const edit of edits) {
    if (edit.path.length === 0) {
      root = edit.kind === 'delete' ? undefined : edit.value;
      continue;
    }
    let parent: unknown = root;
    for (const key of edit.path.slice(0, -1)) {
      parent = parent !== null && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[key] : undefined;
    }
    if (parent === null || typeof parent !== 'object') continue;
    const last = edit.path[edit.path.length - 1] as string | number;
    const container = parent as Record<string | number, unknown>;
    if (edit.kind === 'set') container[last] = structuredClone(edit.value);
    else if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  }
  return root;
}
