// Fuzzing model archive extraction: tar and tar.gz files built entry by entry with hostile names (traversal,
// absolute, backslashes, NULs, long and non-ASCII), links, devices, pax and GNU long-name headers, declared sizes
// from zero to 2^53 (octal, base-256, pax), then damaged (bytes flipped with or without a fixed checksum, cut
// short, gzip cut short). Extraction either writes only regular files and folders inside the destination, or
// refuses with an ArchiveError and leaves nothing behind; never another exception, within the time and memory bounds.

import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe } from 'vitest';
import { ArchiveError, extractArchive } from '../../packages/server/src/storage/archive.ts';
import { itFuzzes, refusedOnlyWith, withinBounds } from './fuzz-settings.ts';
import { applyByteEdits, byteEdit } from './mutations.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tuneql-fuzz-archive-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Limits small enough that a declared size can exceed them without the test writing much. */
const LIMITS = { maxEntries: 40, maxTotalBytes: 256 * 1024, maxEntryBytes: 64 * 1024, maxRatio: 50 };

const entryName = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('model/config.json', 'model/', 'config.json', 'model/model.safetensors', './tokenizer.json', 'a/b/c/d'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '../evil',
      'model/../../evil',
      '/etc/passwd',
      'a\\..\\b',
      'a\0b',
      '',
      '.',
      '..',
      './',
      'a//b',
      'a/./b',
      'model',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(99), `${'d/'.repeat(60)}f`, `${'ü'.repeat(80)}`, 'x'.repeat(300)) },
);

/** Declared sizes: the true one most often, else zero, a little off, or far beyond any limit. */
const declaredSize = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 511, 512, 513, 8 ** 11 - 1, 2 ** 33, 2 ** 53 - 1) },
);

const entry = fc.record({
  name: entryName,
  type: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('0', '5') },
    { weight: 2, arbitrary: fc.constantFrom('1', '2', '3', '4', '6', '7', 'S', 'D', 'x', 'g', 'L', 'K', 'V', '\0') },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) },
  ),
  data: fc.oneof(fc.uint8Array({ maxLength: 700 }), fc.constantFrom(new Uint8Array(0))),
  size: declaredSize,
  /** How the size field is written: octal text, GNU base-256, or (pax) a record before the entry. */
  sizeForm: fc.constantFrom('octal' as const, 'base256' as const, 'pax' as const),
  linkname: fc.constantFrom('', '../../etc/passwd', '/etc/shadow', 'config.json'),
  pax: fc.option(
    fc.dictionary(
      fc.constantFrom('path', 'linkpath', 'size', 'GNU.sparse.map', 'comment', 'x'),
      fc.oneof(entryName, fc.constantFrom('', '-1', '1e3', '99999999999999999999', ' 12', '0x10')),
      { maxKeys: 3 },
    ),
    { freq: 4, nil: undefined },
  ),
  longName: fc.option(entryName, { freq: 6, nil: undefined }),
});

type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

function checksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

function header(name: string, type: string, size: number, sizeForm: 'octal' | 'base256' | 'pax', linkname: string): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  if (sizeForm === 'base256' || size > 8 ** 11 - 1) {
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(size), 128);
  } else block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(type, 156, 1, 'latin1');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\x0000', 257, 'latin1');
  checksum(block);
  return block;
}

function padded(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(records)
      .map(([key, value]) => {
        const body = ` ${key}=${value}\n`;
        let length = Buffer.byteLength(body) + 1;
        while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
        return `${length}${body}`;
      })
      .join(''),
  );
}

/** The blocks of one entry, with its pax or GNU long-name header when it has one. */
function entryBlocks(e: Entry): Buffer[] {
  const blocks: Buffer[] = [];
  const size = e.size ?? e.data.length;
  const pax = { ...e.pax };
  if (e.sizeForm === 'pax' && e.size !== undefined) pax.size = String(size);
  if (Object.keys(pax).length > 0) {
    const data = paxRecords(pax);
    blocks.push(header('PaxHeader/x', 'x', data.length, 'octal', ''), padded(data));
  }
  if (e.longName !== undefined) {
    const data = Buffer.from(`${e.longName}\0`);
    blocks.push(header('././@LongLink', 'L', data.length, 'octal', ''), padded(data));
  }
  blocks.push(header(e.name, e.type, e.sizeForm === 'pax' ? e.data.length : size, e.sizeForm, e.linkname), padded(e.data));
  return blocks;
}

const archive = fc
  .record({
    entries: fc.array(entry, { maxLength: 6 }),
    end: fc.oneof({ weight: 4, arbitrary: fc.constant('two zero blocks') }, fc.constantFrom('one zero block', 'none')),
    edits: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(byteEdit, { minLength: 1, maxLength: 2 })),
    /** Recompute every header checksum after the edits, so the damage reaches the fields behind the checksum. */
    fixChecksums: fc.boolean(),
    gzip: fc.boolean(),
    gzipCut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 8, nil: undefined }),
  })
  .map(({ entries, end, edits, fixChecksums, gzip, gzipCut }) => {
    const ending = end === 'two zero blocks' ? Buffer.alloc(1024) : end === 'one zero block' ? Buffer.alloc(512) : Buffer.alloc(0);
    let tar = Buffer.from(applyByteEdits(Buffer.concat([...entries.flatMap(entryBlocks), ending]), edits));
    if (fixChecksums) {
      tar = Buffer.from(tar);
      for (let at = 0; at + 512 <= tar.length; at += 512)
        if (tar.subarray(at + 257, at + 262).toString('latin1') === 'ustar') checksum(tar.subarray(at, at + 512));
    }
    if (!gzip) return new Uint8Array(tar);
    const compressed = gzipSync(tar);
    return new Uint8Array(gzipCut === undefined ? compressed : compressed.subarray(0, Math.floor(gzipCut * compressed.length)));
  });

/** Every path under `dir`, and whether any is something other than a regular file or folder. */
function walk(dir: string): { paths: string[]; special: string[] } {
  const paths: string[] = [];
  const special: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    paths.push(relative(dir, path));
    const stat = lstatSync(path);
    if (!stat.isFile() && !stat.isDirectory()) special.push(relative(dir, path));
  }
  return { paths, special };
}

describe('model archives under fuzzing', () => {
  itFuzzes(
    'tar and tar.gz, hostile or damaged: extracted inside the destination with regular files only, or ArchiveError and nothing left',
    () => {
      let n = 0;
      return fc.asyncProperty(
        fc.oneof({ weight: 6, arbitrary: archive }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) }),
        async (bytes) => {
          const root = join(scratch, `case-${n++}`);
          const input = join(scratch, `case-${n}.tar`);
          writeFileSync(input, bytes);
          const dest = join(root, 'dest');
          try {
            const extracted = await withinBounds(`extracting ${bytes.length} bytes`, () =>
              refusedOnlyWith([ArchiveError], () => extractArchive(input, dest, LIMITS)),
            );
            const { paths, special } = walk(root);
            if (special.length > 0) throw new Error(`extraction left links or special files: ${special.join(', ')}`);
            const outside = paths.filter((p) => p !== 'dest' && !p.startsWith(`dest/`));
            if (outside.length > 0) throw new Error(`extraction wrote outside the destination: ${outside.join(', ')}`);
            if (extracted === undefined && paths.length > 0) throw new Error(`a refused archive left ${paths.join(', ')} behind`);
            if (extracted && extracted.bytes > LIMITS.maxTotalBytes) throw new Error(`extracted ${extracted.bytes} bytes, over the limit`);
          } finally {
            rmSync(root, { recursive: true, force: true });
            rmSync(input, { force: true });
          }
        },
      );
    },
    { runs: 500, budgetMs: 6_000 },
  );
});
