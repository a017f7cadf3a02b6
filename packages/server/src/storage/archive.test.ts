// The tar reader and writer: round trips, interoperability with GNU tar both ways, long names, top-folder
// stripping, and hostile archives (escapes, links, devices, a gzip bomb, bad checksums, truncation, limits)
// that must be refused with their code while the destination stays untouched.

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveError, ArchiveErrorCode, type ArchiveLimits, createTarGz, extractArchive } from './archive.ts';

const TAR = existsSync('/bin/tar') ? '/bin/tar' : 'tar';

// ---------------------------------------------------------------------------------------------------------
// An independent, deliberately naive tar writer for building hostile archives byte by byte.

interface RawEntry {
  name: string;
  /** Tar type flag; '0' regular file. */
  type?: string;
  data?: Buffer | string;
  /** Declared size, when it should differ from the data. */
  size?: number;
  linkname?: string;
  prefix?: string;
}

function rawHeader(entry: RawEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(entry.name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(entry.type ?? '0', 156, 'latin1');
  header.write(entry.linkname ?? '', 157, 100, 'utf8');
  header.write('ustar\x0000', 257, 'latin1');
  header.write(entry.prefix ?? '', 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

function rawEntry(entry: RawEntry): Buffer {
  const data = Buffer.from(entry.data ?? '');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([rawHeader(entry, entry.size ?? data.length), data, padding]);
}

function paxEntry(records: Record<string, string>): Buffer {
  const text = Object.entries(records)
    .map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(body) + 2;
      while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
      return `${length}${body}`;
    })
    .join('');
  return rawEntry({ name: 'PaxHeader/x', type: 'x', data: text });
}

/** A tar archive of the entries with its two-block end marker. */
function rawTar(...entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

// ---------------------------------------------------------------------------------------------------------

let root: string;
let archives: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tuneql-archive-'));
  archives = join(root, 'archives');
  mkdirSync(archives);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function archiveFile(name: string, bytes: Buffer): string {
  const path = join(archives, name);
  writeFileSync(path, bytes);
  return path;
}

/** The destination used by the refusal tests: three levels down, so escapes land somewhere checkable. */
function destination(): string {
  return join(root, 'out', 'deep', 'model');
}

/** Every path under `dir`, relative, sorted; folders end with `/`. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1) + (entry.isDirectory() ? '/' : ''))
    .sort();
}

/** Extracts, expects the refusal code, and checks that nothing was written anywhere under the test root. */
async function expectRefused(input: string, code: ArchiveErrorCode, limits?: ArchiveLimits): Promise<ArchiveError> {
  const dest = destination();
  const before = tree(root);
  const error = await extractArchive(input, dest, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveError);
  expect((error as ArchiveError).code, (error as Error).message).toBe(code);
  expect(existsSync(dest)).toBe(false);
  // Only the (empty) parents of the destination are new: no staging folder, no escaped file.
  expect(tree(root)).toEqual([...new Set([...before, 'out/', 'out/deep/'])].sort());
  return error as ArchiveError;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function run(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A model-like folder with long, nested, non-ASCII and empty files. Returns the files and their contents. */
function modelFolder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>([
    ['config.json', Buffer.from('{"model_type":"bert"}\n')],
    ['empty.txt', Buffer.alloc(0)],
    ['weights/model.safetensors', randomBytes(1_000_003)],
    [`${'n'.repeat(96)}.txt`, Buffer.from('exactly one hundred characters')],
    [`${'a'.repeat(120)}.json`, Buffer.from('a single segment over 100 characters')],
    [`dir-${'x'.repeat(60)}/${'y'.repeat(80)}/file-${'z'.repeat(50)}.txt`, Buffer.from('fits ustar prefix/name')],
    [`${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(150)}.bin`, Buffer.from('needs a pax path')],
    ['tökenizer—vocab.txt', Buffer.from('non-ASCII name')],
  ]);
  for (const [path, data] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return files;
}

function expectFolder(dir: string, files: Map<string, Buffer>): void {
  expect(tree(dir).filter((path) => !path.endsWith('/'))).toEqual([...files.keys()].sort());
  for (const [path, data] of files) expect(readFileSync(join(dir, path)).equals(data), path).toBe(true);
}

describe('createTarGz and extractArchive', () => {
  it('round-trips a folder, long and non-ASCII names included', async () => {
    const src = join(root, 'src');
    const files = modelFolder(src);
    const out = join(root, 'export.tar.gz');
    const { bytes, sha256: digest } = await createTarGz(src, out);
    expect(bytes).toBe(readFileSync(out).length);
    expect(digest).toBe(sha256(out));
    expect(readdirSync(root).sort()).toEqual(['archives', 'export.tar.gz', 'src']);

    const dest = join(root, 'imported');
    const extracted = await extractArchive(out, dest);
    expect(extracted.files).toEqual([...files.keys()].sort());
    expect(extracted.bytes).toBe([...files.values()].reduce((n, data) => n + data.length, 0));
    expectFolder(dest, files);
  });

  it('writes the same bytes for the same folder, whatever the file times', async () => {
    const src = join(root, 'src');
    modelFolder(src);
    const first = await createTarGz(src, join(root, 'one.tar.gz'));
    utimesSync(join(src, 'config.json'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await createTarGz(src, join(root, 'two.tar.gz'));
    expect(second).toEqual(first);
  });

  it('refuses to archive a symbolic link', async () => {
    const src = join(root, 'src');
    modelFolder(src);
    symlinkSync('/etc/passwd', join(src, 'passwd'));
    await expect(createTarGz(src, join(root, 'out.tar.gz'))).rejects.toMatchObject({ code: 'ARCHIVE_UNSUPPORTED_ENTRY' });
    expect(readdirSync(root).sort()).toEqual(['archives', 'src']);
  });
});

describe('interoperability with GNU tar', () => {
  it('GNU tar lists and extracts what createTarGz writes', async () => {
    const src = join(root, 'src');
    const files = modelFolder(src);
    const out = join(root, 'export.tar.gz');
    await createTarGz(src, out);
    const listed = run(TAR, ['-tzf', out]).split('\n').filter(Boolean);
    expect(listed).toEqual([...files.keys()].sort());
    const dest = join(root, 'by-gnu-tar');
    mkdirSync(dest);
    run(TAR, ['-xzf', out, '-C', dest]);
    expectFolder(dest, files);
  });

  for (const format of ['gnu', 'pax', 'the default format']) {
    it(`extracts what \`tar czf\` writes (${format}), stripping the single top-level folder`, async () => {
      const src = join(root, 'src');
      const files = modelFolder(join(src, 'my-model'));
      const out = join(archives, 'model.tgz');
      const args = format === 'gnu' ? ['--format=gnu'] : format === 'pax' ? ['--format=pax'] : [];
      run(TAR, [...args, '-czf', out, '-C', src, 'my-model']);
      const dest = join(root, 'imported');
      const extracted = await extractArchive(out, dest);
      expect(extracted.files).toEqual([...files.keys()].sort());
      expectFolder(dest, files);
    });
  }

  it('extracts an uncompressed `tar cf -C dir .` (entries under ./)', async () => {
    const src = join(root, 'src');
    const files = modelFolder(src);
    const out = join(archives, 'model.tar');
    run(TAR, ['-cf', out, '-C', src, '.']);
    const dest = join(root, 'imported');
    await extractArchive(out, dest);
    expectFolder(dest, files);
  });

  it('refuses the symbolic and hard links GNU tar stores', async () => {
    const src = join(root, 'src', 'model');
    modelFolder(src);
    symlinkSync('/etc/passwd', join(src, 'passwd'));
    run(TAR, ['-czf', join(archives, 'symlink.tgz'), '-C', join(root, 'src'), 'model']);
    const symlink = await expectRefused(join(archives, 'symlink.tgz'), ArchiveErrorCode.ARCHIVE_LINK);
    expect(symlink.message).toBe(
      '"model/passwd" is a symbolic link to "/etc/passwd"; archives may hold only regular files and folders (tar --dereference follows links)',
    );
    expect(symlink.entry).toBe('model/passwd');

    const hard = join(root, 'hard');
    mkdirSync(hard);
    writeFileSync(join(hard, 'a.bin'), 'data');
    linkSync(join(hard, 'a.bin'), join(hard, 'b.bin'));
    run(TAR, ['-czf', join(archives, 'hardlink.tgz'), '-C', hard, 'a.bin', 'b.bin']);
    const error = await expectRefused(join(archives, 'hardlink.tgz'), ArchiveErrorCode.ARCHIVE_LINK);
    expect(error.message).toContain('"b.bin" is a hard link to "a.bin"');
  });
});

describe('layout', () => {
  it('keeps the layout when there is more than one top-level entry or only a file', async () => {
    const two = archiveFile('two.tar', rawTar(rawEntry({ name: 'a/x.txt', data: 'x' }), rawEntry({ name: 'b/y.txt', data: 'y' })));
    expect((await extractArchive(two, join(root, 'two'))).files).toEqual(['a/x.txt', 'b/y.txt']);
    const file = archiveFile('file.tar', rawTar(rawEntry({ name: 'model.onnx', data: 'onnx' })));
    expect((await extractArchive(file, join(root, 'file'))).files).toEqual(['model.onnx']);
  });

  it('extracts into an existing empty folder, and refuses one with content', async () => {
    const archive = archiveFile('m.tar', rawTar(rawEntry({ name: 'm/config.json', data: '{}' })));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(await extractArchive(archive, empty)).toEqual({ files: ['config.json'], bytes: 2 });
    await expect(extractArchive(archive, empty)).rejects.toMatchObject({ code: 'ARCHIVE_DEST_EXISTS' });
    expect(readdirSync(empty)).toEqual(['config.json']);
  });

  it('reads ustar prefix fields and v7 folder entries', async () => {
    const archive = archiveFile(
      'prefix.tar',
      rawTar(rawEntry({ name: 'legacy/', data: '' }), rawEntry({ prefix: 'legacy/sub', name: 'file.txt', data: 'prefixed' })),
    );
    const dest = join(root, 'prefix');
    expect((await extractArchive(archive, dest)).files).toEqual(['sub/file.txt']);
    expect(readFileSync(join(dest, 'sub/file.txt'), 'utf8')).toBe('prefixed');
  });
  it('applies pax size records and skips global pax headers (git archive writes one)', async () => {
    const global = rawEntry({ name: 'pax_global_header', type: 'g', data: '52 comment=0123456789abcdef0123456789abcdef01234567\n' });
    const archive = archiveFile(
      'pax-size.tar',
      rawTar(global, paxEntry({ size: '5', path: 'model/sized.bin' }), rawEntry({ name: 'ignored', data: 'hello', size: 0 })),
    );
    const dest = join(root, 'pax-size');
    expect(await extractArchive(archive, dest)).toEqual({ files: ['sized.bin'], bytes: 5 });
    expect(readFileSync(join(dest, 'sized.bin'), 'utf8')).toBe('hello');
  });
});

describe('hostile archives', () => {
  it('refuses ../ escapes, also after normalization', async () => {
    for (const name of ['../../escaped.txt', 'model/../../../escaped.txt', './../escaped.txt', 'model/..']) {
      const archive = archiveFile('escape.tar', rawTar(rawEntry({ name: 'model/ok.txt', data: 'ok' }), rawEntry({ name, data: 'pwned' })));
      const error = await expectRefused(archive, ArchiveErrorCode.ARCHIVE_PATH_ESCAPE);
      expect(error.message).toBe(`${JSON.stringify(name)} contains "..", which could climb out of the destination folder`);
      expect(error.entry).toBe(name);
    }
  });

  it('refuses absolute paths', async () => {
    const target = join(root, 'absolute.txt');
    const error = await expectRefused(
      archiveFile('abs.tar', rawTar(rawEntry({ name: target, data: 'pwned' }))),
      ArchiveErrorCode.ARCHIVE_PATH_ESCAPE,
    );
    expect(error.message).toBe(`${JSON.stringify(target)} is an absolute path; archive entries must be relative`);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses an escape hidden in a pax path record or a GNU long name', async () => {
    const viaPax = rawTar(paxEntry({ path: '../../pax-escaped.txt' }), rawEntry({ name: 'innocent.txt', data: 'pwned' }));
    const pax = await expectRefused(archiveFile('pax.tar', viaPax), ArchiveErrorCode.ARCHIVE_PATH_ESCAPE);
    expect(pax.entry).toBe('../../pax-escaped.txt');
    const viaPaxAbsolute = rawTar(paxEntry({ path: '/etc/cron.d/x' }), rawEntry({ name: 'innocent.txt', data: 'pwned' }));
    await expectRefused(archiveFile('pax-abs.tar', gzipSync(viaPaxAbsolute)), ArchiveErrorCode.ARCHIVE_PATH_ESCAPE);
    const viaGnu = rawTar(
      rawEntry({ name: '././@LongLink', type: 'L', data: `${'../'.repeat(3)}gnu-escaped.txt\0` }),
      rawEntry({ name: 'innocent.txt', data: 'pwned' }),
    );
    const gnu = await expectRefused(archiveFile('gnu.tar', viaGnu), ArchiveErrorCode.ARCHIVE_PATH_ESCAPE);
    expect(gnu.entry).toBe('../../../gnu-escaped.txt');
  });

  it('refuses symbolic links, hard links, devices and fifos', async () => {
    const cases: [RawEntry, ArchiveErrorCode, string][] = [
      [{ name: 'model/link', type: '2', linkname: '/etc/passwd' }, 'ARCHIVE_LINK', 'symbolic link to "/etc/passwd"'],
      [{ name: 'model/hard', type: '1', linkname: 'model/config.json' }, 'ARCHIVE_LINK', 'hard link to "model/config.json"'],
      [{ name: 'model/tty', type: '3' }, 'ARCHIVE_UNSUPPORTED_ENTRY', '"model/tty" is a character device'],
      [{ name: 'model/disk', type: '4' }, 'ARCHIVE_UNSUPPORTED_ENTRY', '"model/disk" is a block device'],
      [{ name: 'model/pipe', type: '6' }, 'ARCHIVE_UNSUPPORTED_ENTRY', '"model/pipe" is a fifo'],
    ];
    for (const [entry, code, message] of cases) {
      const archive = archiveFile('special.tar', rawTar(rawEntry({ name: 'model/config.json', data: '{}' }), rawEntry(entry)));
      const error = await expectRefused(archive, code);
      expect(error.message).toContain(message);
    }
    // A symlink followed by a file written "through" it never gets that far.
    const through = rawTar(rawEntry({ name: 'model/out', type: '2', linkname: '/tmp' }), rawEntry({ name: 'model/out/x.txt', data: 'x' }));
    await expectRefused(archiveFile('through.tar', through), ArchiveErrorCode.ARCHIVE_LINK);
  });

  describe('a gzip bomb', () => {
    let bomb: string;
    const inflatedSize = 200 * 1024 * 1024;
    let bombDir: string;

    beforeAll(async () => {
      bombDir = mkdtempSync(join(tmpdir(), 'tuneql-bomb-'));
      bomb = join(bombDir, 'bomb.tar.gz');
      const zeros = Buffer.alloc(1024 * 1024);
      async function* bombTar() {
        yield rawHeader({ name: 'model/zeros.bin' }, inflatedSize);
        for (let i = 0; i < inflatedSize / zeros.length; i++) yield zeros;
        yield Buffer.alloc(1024);
      }
      await pipeline(Readable.from(bombTar()), createGzip({ level: 9 }), createWriteStream(bomb));
    });

    afterAll(() => {
      rmSync(bombDir, { recursive: true, force: true });
    });

    it('is refused while inflating, long before it is all out', async () => {
      const compressed = readFileSync(bomb).length;
      expect(compressed).toBeLessThan(400_000);
      const error = await expectRefused(bomb, ArchiveErrorCode.ARCHIVE_BOMB, { maxRatio: 100 });
      const inflated = Number(/\((\d+) bytes from/.exec(error.message)?.[1]);
      expect(error.message).toMatch(/^bomb\.tar\.gz inflates more than 100 times \(\d+ bytes from \d+ compressed bytes so far\)/);
      expect(inflated).toBeLessThan(inflatedSize / 4);
      // The default ratio (200) refuses it too; a generous one lets its 200 MB through.
      await expectRefused(bomb, ArchiveErrorCode.ARCHIVE_BOMB);
      const dest = join(bombDir, 'allowed');
      expect(await extractArchive(bomb, dest, { maxRatio: 5_000 })).toEqual({ files: ['zeros.bin'], bytes: inflatedSize });
    });
  });

  it('refuses a header with a bad checksum', async () => {
    const tar = rawTar(rawEntry({ name: 'model/config.json', data: '{}' }));
    tar[3] = 'X'.charCodeAt(0);
    const error = await expectRefused(archiveFile('checksum.tar', tar), ArchiveErrorCode.ARCHIVE_CORRUPT);
    expect(error.message).toMatch(/^the header at byte 0 has a bad checksum \(stored \d+, computed \d+\)/);
    // Not a tar at all.
    await expectRefused(archiveFile('text.tar', Buffer.from('hello '.repeat(200))), ArchiveErrorCode.ARCHIVE_CORRUPT);
  });

  it('refuses truncated archives, plain and gzip', async () => {
    const tar = rawTar(rawEntry({ name: 'model/config.json', data: '{}' }), rawEntry({ name: 'model/data.bin', data: randomBytes(5_000) }));
    const cut = tar.subarray(0, 512 + 512 + 512 + 3_000);
    const error = await expectRefused(archiveFile('cut.tar', cut), ArchiveErrorCode.ARCHIVE_CORRUPT);
    expect(error.message).toBe('the archive ends inside "model/data.bin"; the upload is probably truncated');
    const inHeader = tar.subarray(0, 1024 + 100);
    await expectRefused(archiveFile('cut-header.tar', inHeader), ArchiveErrorCode.ARCHIVE_CORRUPT);
    const noEnd = tar.subarray(0, tar.length - 1024);
    const end = await expectRefused(archiveFile('no-end.tar', noEnd), ArchiveErrorCode.ARCHIVE_CORRUPT);
    expect(end.message).toContain('without its end-of-archive marker');
    const gz = gzipSync(tar);
    const gzError = await expectRefused(archiveFile('cut.tar.gz', gz.subarray(0, gz.length - 100)), ArchiveErrorCode.ARCHIVE_CORRUPT);
    expect(gzError.message).toContain('corrupt or truncated gzip data');
  });

  it('refuses files over maxEntryBytes from the declared size, before writing', async () => {
    const tar = rawTar(rawEntry({ name: 'model/big.bin', data: randomBytes(5_000) }));
    const error = await expectRefused(archiveFile('big.tar', tar), ArchiveErrorCode.ARCHIVE_TOO_LARGE, { maxEntryBytes: 4_096 });
    expect(error.message).toBe('"model/big.bin" is 5000 bytes, over the limit of 4096 bytes per file');
    // A declared terabyte with no data behind it is refused from the header alone (GNU base-256 size).
    const header = rawHeader({ name: 'model/huge.bin' }, 0);
    header.fill(0, 124, 136);
    header[124] = 0x80;
    header.writeUIntBE(2 ** 40, 130, 6);
    header.write('        ', 148, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const huge = await expectRefused(
      archiveFile('huge.tar', Buffer.concat([header, Buffer.alloc(1024)])),
      ArchiveErrorCode.ARCHIVE_TOO_LARGE,
    );
    expect(huge.message).toBe(`"model/huge.bin" is ${2 ** 40} bytes, over the limit of ${8 * 1024 ** 3} bytes per file`);
  });

  it('refuses files adding up to more than maxTotalBytes', async () => {
    const tar = rawTar(
      rawEntry({ name: 'model/a.bin', data: randomBytes(5_000) }),
      rawEntry({ name: 'model/b.bin', data: randomBytes(5_000) }),
    );
    const error = await expectRefused(archiveFile('total.tar', tar), ArchiveErrorCode.ARCHIVE_TOO_LARGE, { maxTotalBytes: 8_000 });
    expect(error.message).toBe('the archive\'s files add up to more than the limit of 8000 bytes (at "model/b.bin", 5000 bytes)');
  });

  it('refuses more than maxEntries entries', async () => {
    const tar = rawTar(...Array.from({ length: 5 }, (_, i) => rawEntry({ name: `model/${i}.txt`, data: `${i}` })));
    const error = await expectRefused(archiveFile('many.tar', tar), ArchiveErrorCode.ARCHIVE_TOO_MANY_ENTRIES, { maxEntries: 4 });
    expect(error.message).toBe('the archive has more than 4 files and folders (stopped at "model/4.txt")');
  });

  it('refuses duplicate entries and a file where a folder is needed', async () => {
    const twice = rawTar(rawEntry({ name: 'model/a.txt', data: 'one' }), rawEntry({ name: 'model/./a.txt', data: 'two' }));
    await expectRefused(archiveFile('twice.tar', twice), ArchiveErrorCode.ARCHIVE_DUPLICATE_ENTRY);
    const under = rawTar(rawEntry({ name: 'model/a', data: 'file' }), rawEntry({ name: 'model/a/b.txt', data: 'under a file' }));
    await expectRefused(archiveFile('under.tar', under), ArchiveErrorCode.ARCHIVE_DUPLICATE_ENTRY);
  });

  it('refuses a name the file system cannot hold', async () => {
    const long = rawTar(paxEntry({ path: `model/${'n'.repeat(300)}.bin` }), rawEntry({ name: 'x', data: 'x' }));
    const error = await expectRefused(archiveFile('long.tar', long), ArchiveErrorCode.ARCHIVE_UNSUPPORTED_ENTRY);
    expect(error.message).toContain('is a path too long for the file system');
  });

  it('refuses other archive formats by their magic bytes', async () => {
    const zip = archiveFile('model.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const error = await expectRefused(zip, ArchiveErrorCode.ARCHIVE_UNSUPPORTED_FORMAT);
    expect(error.message).toBe('model.zip is a zip archive; upload a .tar or .tar.gz instead (tar czf model.tar.gz model/)');
    await expectRefused(archiveFile('empty.tar', Buffer.alloc(0)), ArchiveErrorCode.ARCHIVE_CORRUPT);
  });

  it('leaves an existing empty destination folder as it was', async () => {
    const dest = join(root, 'keep');
    mkdirSync(dest);
    const archive = archiveFile('escape.tar', rawTar(rawEntry({ name: 'ok.txt', data: 'ok' }), rawEntry({ name: '../x', data: 'x' })));
    await expect(extractArchive(archive, dest)).rejects.toMatchObject({ code: 'ARCHIVE_PATH_ESCAPE' });
    expect(readdirSync(dest)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['archives', 'keep']);
  });
});
