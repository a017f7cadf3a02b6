// Tar archives in and out: extracting uploaded model folders (.tar, .tar.gz, .tgz) safely, and writing exports.
//
// The reader parses ustar, pax and GNU headers itself and streams entry data straight to disk, inflating gzip
// through zlib with a byte counter, so an archive is never held in memory. It accepts regular files and folders
// only, and refuses with an ArchiveError (a `code` from ArchiveErrorCode and a message naming the entry):
// absolute or `..` paths (whether in the header, a pax `path` record or a GNU long name), links, devices and
// fifos, entries or totals over the limits (declared size checked before writing, written bytes counted),
// inflation beyond the ratio limit, bad checksums and truncation. It extracts into a hidden sibling of the
// destination and renames that into place at the end, so a refused archive leaves nothing behind.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export const ArchiveErrorCode = {
  /** An entry path is absolute or climbs out of the destination with `..`. */
  ARCHIVE_PATH_ESCAPE: 'ARCHIVE_PATH_ESCAPE',
  /** A symbolic or hard link. */
  ARCHIVE_LINK: 'ARCHIVE_LINK',
  /** A device, fifo or other entry that is neither a regular file nor a folder (also sparse files). */
  ARCHIVE_UNSUPPORTED_ENTRY: 'ARCHIVE_UNSUPPORTED_ENTRY',
  /** Not a tar or gzip-compressed tar (zip, xz, bzip2, zstd). */
  ARCHIVE_UNSUPPORTED_FORMAT: 'ARCHIVE_UNSUPPORTED_FORMAT',
  /** A file over maxEntryBytes, files adding up to more than maxTotalBytes, or an oversized pax/GNU header. */
  ARCHIVE_TOO_LARGE: 'ARCHIVE_TOO_LARGE',
  /** More than maxEntries files and folders. */
  ARCHIVE_TOO_MANY_ENTRIES: 'ARCHIVE_TOO_MANY_ENTRIES',
  /** gzip data inflating beyond maxRatio. */
  ARCHIVE_BOMB: 'ARCHIVE_BOMB',
  /** Bad header checksum or number, malformed pax record, truncated archive, corrupt gzip data. */
  ARCHIVE_CORRUPT: 'ARCHIVE_CORRUPT',
  /** Two entries with the same path, or a file where a folder is needed. */
  ARCHIVE_DUPLICATE_ENTRY: 'ARCHIVE_DUPLICATE_ENTRY',
  /** The destination exists and is not an empty folder. */
  ARCHIVE_DEST_EXISTS: 'ARCHIVE_DEST_EXISTS',
} as const;
export type ArchiveErrorCode = (typeof ArchiveErrorCode)[keyof typeof ArchiveErrorCode];

/** A refused archive: `code` says why, `entry` names the entry as the archive spells it, when there is one. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  readonly code: ArchiveErrorCode;
  readonly entry: string | undefined;
  constructor(code: ArchiveErrorCode, message: string, entry?: string) {
    super(message);
    this.code = code;
    this.entry = entry;
  }
}

export interface ArchiveLimits {
  /** Files and folders in the archive (pax and GNU long-name headers are not counted). @default 10_000 */
  maxEntries?: number;
  /** Bytes of all files together. @default 8 GiB */
  maxTotalBytes?: number;
  /** Bytes of one file. @default maxTotalBytes */
  maxEntryBytes?: number;
  /**
   * Inflated bytes per compressed byte read so far, for gzip archives; checked as data inflates once more than
   * 1 MiB has come out, so a small archive of padding and text passes. @default 200
   */
  maxRatio?: number;
}

export interface ExtractedArchive {
  /** The regular files written, relative to the destination with `/` separators, sorted. */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
}

const BLOCK = 512;
const GiB = 1024 ** 3;
const DEFAULT_LIMITS = { maxEntries: 10_000, maxTotalBytes: 8 * GiB, maxRatio: 200 };
/** Inflated bytes allowed before the ratio is enforced. */
const RATIO_GRACE_BYTES = 1024 ** 2;
/** The largest pax or GNU long-name header data: names and records are small. */
const MAX_METADATA_BYTES = 1024 ** 2;
/** Pax/GNU headers allowed in a row before a real entry. */
const MAX_METADATA_RUN = 8;
/** The largest size an 11-digit octal ustar field holds; larger files get a pax `size` record. */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

/**
 * Extracts a .tar, .tar.gz or .tgz file (gzip is recognised by its magic bytes, not the name) into `dest`, which
 * must not exist or be an empty folder; its parent is created if needed. When every entry lies under one
 * top-level folder (a user ran `tar czf model.tgz model/`), that folder is stripped, so `dest` holds the model
 * files directly. Files are written with mode 0644 and folders 0755; owners, times and permissions in the archive
 * are ignored. On any error the destination is left as it was.
 */
export async function extractArchive(input: string, dest: string, limits: ArchiveLimits = {}): Promise<ExtractedArchive> {
  const resolved = resolveLimits(limits);
  const target = resolve(dest);
  await assertDestinationFree(target);
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.extracting-`));
  try {
    const extractor = new TarExtractor(staging, resolved);
    await readArchive(input, resolved.maxRatio, (chunks) => extractor.extract(chunks));
    const { prefix, files } = extractor.result();
    const root = prefix ? join(staging, prefix) : staging;
    await chmod(root, 0o755);
    try {
      await rename(root, target);
    } catch (error) {
      if (!isErrno(error, 'ENOTEMPTY', 'EEXIST', 'ENOTDIR')) throw error;
      throw new ArchiveError(ArchiveErrorCode.ARCHIVE_DEST_EXISTS, `${target} was filled by someone else during extraction`);
    }
    return { files, bytes: extractor.bytes };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Writes the regular files under `srcDir` as a gzip-compressed ustar archive (pax records for names that do
 * not fit ustar or are not ASCII, and for files over 8 GiB), with paths relative to `srcDir`, sorted, and fixed
 * metadata (mode 0644, owner 0, mtime 0), so the same folder always gives the same bytes. Folders are implied by
 * the paths; a symbolic link or other special file is refused. The archive is written beside `outFile` and
 * renamed into place when complete. Returns its size and SHA-256 (hex).
 */
export async function createTarGz(srcDir: string, outFile: string): Promise<{ bytes: number; sha256: string }> {
  const root = resolve(srcDir);
  const files = await listFiles(root);
  const target = resolve(outFile);
  const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      tarStream(root, files),
      createGzip(),
      async function* measure(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(partial, { flags: 'wx' }),
    );
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { bytes, sha256: hash.digest('hex') };
}

// ---------------------------------------------------------------------------------------------------------
// Reading

interface ResolvedLimits {
  maxEntries: number;
  maxTotalBytes: number;
  maxEntryBytes: number;
  maxRatio: number;
}

function resolveLimits(limits: ArchiveLimits): ResolvedLimits {
  const maxTotalBytes = limits.maxTotalBytes ?? DEFAULT_LIMITS.maxTotalBytes;
  const resolved = {
    maxEntries: limits.maxEntries ?? DEFAULT_LIMITS.maxEntries,
    maxTotalBytes,
    maxEntryBytes: limits.maxEntryBytes ?? maxTotalBytes,
    maxRatio: limits.maxRatio ?? DEFAULT_LIMITS.maxRatio,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(value > 0)) throw new RangeError(`archive limit ${name} must be a positive number, not ${value}`);
  }
  return resolved;
}

async function assertDestinationFree(target: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    if (isErrno(error, 'ENOTDIR'))
      throw new ArchiveError(ArchiveErrorCode.ARCHIVE_DEST_EXISTS, `${target} exists and is a file, not a folder`);
    throw error;
  }
  if (entries.length > 0) {
    throw new ArchiveError(ArchiveErrorCode.ARCHIVE_DEST_EXISTS, `${target} is not empty; extract into a new folder`);
  }
}

/** Feeds the archive's tar bytes to `consume`, inflating gzip on the way and enforcing the ratio limit. */
async function readArchive(input: string, maxRatio: number, consume: (chunks: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const compressed = await sniff(input);
  const file = createReadStream(input);
  try {
    if (!compressed) {
      await pipeline(file, (chunks: AsyncIterable<Buffer>) => consume(chunks));
      return;
    }
    let inflated = 0;
    const metered = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        inflated += chunk.length;
        // bytesRead runs ahead of what zlib has consumed by a buffer or two, which the grace amount covers.
        if (inflated > RATIO_GRACE_BYTES && inflated > maxRatio * file.bytesRead) {
          throw new ArchiveError(
            ArchiveErrorCode.ARCHIVE_BOMB,
            `${basename(input)} inflates more than ${maxRatio} times (${inflated} bytes from ${file.bytesRead} compressed bytes so far); ` +
              'refusing it as a likely decompression bomb',
          );
        }
        yield chunk;
      }
    };
    await pipeline(file, createGunzip({ chunkSize: 64 * 1024 }), (chunks: AsyncIterable<Buffer>) => consume(metered(chunks)));
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    if (typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('Z_')) {
      throw new ArchiveError(
        ArchiveErrorCode.ARCHIVE_CORRUPT,
        `${basename(input)} has corrupt or truncated gzip data (${(error as Error).message}); upload the archive again`,
      );
    }
    throw error;
  }
}

/** Whether the file is gzip; refuses other compressed formats by their magic bytes. */
async function sniff(input: string): Promise<boolean> {
  const handle = await open(input, 'r');
  const head = Buffer.alloc(6);
  try {
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === 0) throw new ArchiveError(ArchiveErrorCode.ARCHIVE_CORRUPT, `${basename(input)} is empty`);
  } finally {
    await handle.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  const other = [
    ['zip', [0x50, 0x4b, 0x03, 0x04]],
    ['bzip2', [0x42, 0x5a, 0x68]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ] as const;
  for (const [format, magic] of other) {
    if (magic.every((byte, i) => head[i] === byte)) {
      throw new ArchiveError(
        ArchiveErrorCode.ARCHIVE_UNSUPPORTED_FORMAT,
        `${basename(input)} is a ${format} archive; upload a .tar or .tar.gz instead (tar czf model.tar.gz model/)`,
      );
    }
  }
  return false;
}

/** Pulls exact byte counts out of a stream of chunks without copying data chunks. */
class ByteReader {
  readonly #chunks: AsyncIterator<Buffer>;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes taken so far: the offset in the tar stream. */
  offset = 0;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.#chunks = chunks[Symbol.asyncIterator]();
  }

  async #pull(): Promise<boolean> {
    const next = await this.#chunks.next();
    if (next.done) return false;
    this.#buffer = this.#buffer.length === 0 ? next.value : Buffer.concat([this.#buffer, next.value]);
    return true;
  }

  /** `n` bytes, or fewer where the stream ends; for headers and metadata, which are small. */
  async read(n: number): Promise<Buffer> {
    while (this.#buffer.length < n && (await this.#pull())) {}
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(out.length);
    this.offset += out.length;
    return out;
  }

  /** Exactly `n` bytes in pieces as they arrive; `truncated` makes the error when the stream ends first. */
  async *pieces(n: number, truncated: () => ArchiveError): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#buffer.length === 0 && !(await this.#pull())) throw truncated();
      const piece = this.#buffer.subarray(0, left);
      this.#buffer = this.#buffer.subarray(piece.length);
      this.offset += piece.length;
      left -= piece.length;
      yield piece;
    }
  }

  /** Reads to the end, so that gzip's trailing checksum is verified and the ratio still applies. */
  async drain(): Promise<void> {
    this.offset += this.#buffer.length;
    this.#buffer = Buffer.alloc(0);
    while (await this.#pull()) {
      this.offset += this.#buffer.length;
      this.#buffer = Buffer.alloc(0);
    }
  }
}

interface TarHeader {
  name: string;
  size: number;
  type: string;
  linkname: string;
}

class TarExtractor {
  readonly #staging: string;
  readonly #limits: ResolvedLimits;
  /** Every path created, relative with `/`: what it is. */
  readonly #kinds = new Map<string, 'file' | 'dir'>();
  #entries = 0;
  /** Bytes of file data written. */
  bytes = 0;

  constructor(staging: string, limits: ResolvedLimits) {
    this.#staging = staging;
    this.#limits = limits;
  }

  async extract(chunks: AsyncIterable<Buffer>): Promise<void> {
    const reader = new ByteReader(chunks);
    let pax = new Map<string, string>();
    let longName: string | undefined;
    let longLink: string | undefined;
    let metadataRun = 0;
    for (;;) {
      const at = reader.offset;
      const block = await reader.read(BLOCK);
      if (block.length === 0) throw corrupt('the archive ends without its end-of-archive marker; the upload is probably truncated');
      if (block.length < BLOCK) throw corrupt(`the archive ends inside the header at byte ${at}; the upload is probably truncated`);
      if (isZeroBlock(block)) {
        await reader.drain();
        return;
      }
      const header = parseHeader(block, at);

      if (header.type === 'x' || header.type === 'g' || header.type === 'L' || header.type === 'K') {
        if (++metadataRun > MAX_METADATA_RUN) throw corrupt(`more than ${MAX_METADATA_RUN} pax/GNU headers in a row at byte ${at}`);
        if (header.size > MAX_METADATA_BYTES) {
          throw new ArchiveError(
            ArchiveErrorCode.ARCHIVE_TOO_LARGE,
            `the ${header.type === 'x' || header.type === 'g' ? 'pax' : 'GNU long-name'} header at byte ${at} holds ${header.size} bytes, over the limit of ${MAX_METADATA_BYTES}`,
          );
        }
        const data = await reader.read(header.size);
        if (data.length < header.size)
          throw corrupt(`the archive ends inside the header data at byte ${at}; the upload is probably truncated`);
        await skipPadding(reader, header.size, header.name);
        // Global pax records (`git archive` writes a comment) do not name entries; nothing in them is needed.
        if (header.type === 'x') pax = new Map([...pax, ...parsePax(data, at)]);
        else if (header.type === 'L') longName = cString(data, 0, data.length);
        else if (header.type === 'K') longLink = cString(data, 0, data.length);
        continue;
      }
      metadataRun = 0;

      const name = pax.get('path') || longName || header.name;
      const linkname = pax.get('linkpath') || longLink || header.linkname;
      const size = pax.has('size') ? paxSize(pax.get('size')!, name) : header.size;
      const sparse = [...pax.keys()].some((key) => key.startsWith('GNU.sparse.'));
      pax = new Map();
      longName = undefined;
      longLink = undefined;

      if (++this.#entries > this.#limits.maxEntries) {
        throw new ArchiveError(
          ArchiveErrorCode.ARCHIVE_TOO_MANY_ENTRIES,
          `the archive has more than ${this.#limits.maxEntries} files and folders (stopped at ${quote(name)})`,
          name,
        );
      }
      refuseSpecial(header.type, name, linkname);
      if (sparse) throw unsupported(name, 'a sparse file');
      const path = entryPath(name);
      try {
        // Old (v7) archives mark a folder by a trailing slash on a regular-file entry.
        if (header.type === '5' || (header.type === '0' && name.endsWith('/'))) {
          await this.#directory(path, name);
          for await (const _ of reader.pieces(size, () => truncatedIn(name))) {
            // A folder's data, if any, means nothing.
          }
        } else {
          await this.#file(reader, path, name, size);
        }
      } catch (error) {
        if (isErrno(error, 'ENAMETOOLONG')) throw unsupported(name, 'a path too long for the file system');
        throw error;
      }
      await skipPadding(reader, size, name);
    }
  }

  /** The top-level folder to strip (when it is the only top-level entry) and the files relative to it. */
  result(): { prefix: string | undefined; files: string[] } {
    const tops = new Set([...this.#kinds.keys()].map((path) => path.split('/')[0]!));
    const [only] = tops;
    const prefix = tops.size === 1 && only !== undefined && this.#kinds.get(only) === 'dir' ? only : undefined;
    const files = [...this.#kinds]
      .filter(([, kind]) => kind === 'file')
      .map(([path]) => (prefix ? path.slice(prefix.length + 1) : path))
      .sort();
    return { prefix, files };
  }

  async #directory(path: string, name: string): Promise<void> {
    if (path === '') return; // `./`: the destination itself.
    this.#claimParents(path, name);
    const existing = this.#kinds.get(path);
    if (existing === 'file') throw duplicate(name, `${quote(name)} is a folder, but the archive already has a file with that path`);
    this.#kinds.set(path, 'dir');
    await mkdir(this.#target(path, name), { recursive: true });
  }

  async #file(reader: ByteReader, path: string, name: string, size: number): Promise<void> {
    if (path === '') throw corrupt(`a file entry has the empty name ${quote(name)}`, name);
    const { maxEntryBytes, maxTotalBytes } = this.#limits;
    if (size > maxEntryBytes) throw tooLarge(name, `${quote(name)} is ${size} bytes, over the limit of ${maxEntryBytes} bytes per file`);
    if (this.bytes + size > maxTotalBytes) {
      throw tooLarge(
        name,
        `the archive's files add up to more than the limit of ${maxTotalBytes} bytes (at ${quote(name)}, ${size} bytes)`,
      );
    }
    this.#claimParents(path, name);
    const existing = this.#kinds.get(path);
    if (existing) {
      throw duplicate(name, `${quote(name)} appears twice in the archive${existing === 'dir' ? ', as a folder and as a file' : ''}`);
    }
    this.#kinds.set(path, 'file');
    const target = this.#target(path, name);
    await mkdir(dirname(target), { recursive: true });
    const handle = await open(target, 'wx', 0o644);
    try {
      let written = 0;
      for await (const piece of reader.pieces(size, () => truncatedIn(name))) {
        written += piece.length;
        // The reader hands out exactly `size` bytes; counting what is written keeps the limits true regardless.
        if (written > maxEntryBytes || this.bytes + written > maxTotalBytes) {
          throw tooLarge(name, `${quote(name)} grew past the size limits while being written`);
        }
        for (let offset = 0; offset < piece.length; ) {
          const { bytesWritten } = await handle.write(piece, offset, piece.length - offset);
          offset += bytesWritten;
        }
      }
      this.bytes += written;
    } finally {
      await handle.close();
    }
  }

  /** Records the folders above `path`, refusing one that an earlier entry made a file. */
  #claimParents(path: string, name: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = this.#kinds.get(parent);
      if (existing === 'file')
        throw duplicate(name, `${quote(name)} needs ${quote(parent)} to be a folder, but the archive has a file there`);
      if (!existing) this.#kinds.set(parent, 'dir');
    }
  }

  /** The absolute path in the staging folder; entryPath already refused escapes, this makes sure. */
  #target(path: string, name: string): string {
    const target = resolve(this.#staging, ...path.split('/'));
    if (!target.startsWith(this.#staging + sep)) throw pathEscape(name, `${quote(name)} resolves outside the destination folder`);
    return target;
  }
}

function parseHeader(block: Buffer, at: number): TarHeader {
  const stored = parseOctal(block, 148, 8, at, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    // The checksum is computed with its own field read as spaces; some old writers summed signed bytes.
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) {
    throw corrupt(
      `the header at byte ${at} has a bad checksum (stored ${stored}, computed ${unsigned}): the archive is corrupt or not a tar archive`,
    );
  }
  const magic = block.toString('latin1', 257, 263);
  let name = cString(block, 0, 100);
  // POSIX ustar splits long paths into prefix/name; the GNU format ("ustar  ") uses those bytes for other things.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const flag = block[156]!;
  return {
    name,
    size: parseNumber(block, 124, 12, at, 'size'),
    type: flag === 0 ? '0' : String.fromCharCode(flag),
    linkname: cString(block, 157, 100),
  };
}

/** A numeric field: octal text, or GNU base-256 (high bit set) for values that do not fit. */
function parseNumber(block: Buffer, start: number, length: number, at: number, field: string): number {
  const first = block[start]!;
  if (first & 0x80) {
    if (first === 0xff) throw corrupt(`the header at byte ${at} has a negative ${field}`);
    let value = BigInt(first & 0x7f);
    for (let i = start + 1; i < start + length; i++) value = (value << 8n) | BigInt(block[i]!);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ArchiveError(ArchiveErrorCode.ARCHIVE_TOO_LARGE, `the header at byte ${at} declares a ${field} of ${value} bytes`);
    }
    return Number(value);
  }
  return parseOctal(block, start, length, at, field);
}

function parseOctal(block: Buffer, start: number, length: number, at: number, field: string): number {
  const text = block
    .toString('latin1', start, start + length)
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw corrupt(`the header at byte ${at} has an unreadable ${field} field ${JSON.stringify(text)}`);
  return Number.parseInt(text, 8);
}

/** Pax extended header records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(data: Buffer, at: number): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length && data[pos] !== 0) {
    const space = data.indexOf(0x20, pos);
    const length = space < 0 ? Number.NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(length) || length <= space - pos + 1 || pos + length > data.length || data[pos + length - 1] !== 0x0a) {
      throw corrupt(`the pax header at byte ${at} has a malformed record at offset ${pos}`);
    }
    const record = data.subarray(space + 1, pos + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw corrupt(`the pax header at byte ${at} has a record without a key at offset ${pos}`);
    const key = record.toString('utf8', 0, equals);
    const value = record.toString('utf8', equals + 1);
    // An empty value removes the key: the header's own field applies again.
    if (value === '') records.delete(key);
    else records.set(key, value);
    pos += length;
  }
  return records;
}

function paxSize(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw corrupt(`the pax size of ${quote(name)} is not a number: ${JSON.stringify(value)}`, name);
  const size = Number(value);
  if (!Number.isSafeInteger(size)) throw tooLarge(name, `${quote(name)} declares ${value} bytes`);
  return size;
}

/** Links, devices, fifos and unknown types are refused; only regular files ('0', '7') and folders ('5') pass. */
function refuseSpecial(type: string, name: string, linkname: string): void {
  if (type === '0' || type === '7' || type === '5') return;
  if (type === '1' || type === '2') {
    const kind = type === '1' ? 'hard link' : 'symbolic link';
    throw new ArchiveError(
      ArchiveErrorCode.ARCHIVE_LINK,
      `${quote(name)} is a ${kind} to ${quote(linkname)}; archives may hold only regular files and folders (tar --dereference follows links)`,
      name,
    );
  }
  const kinds: Record<string, string> = {
    '3': 'a character device',
    '4': 'a block device',
    '6': 'a fifo',
    S: 'a sparse file',
    D: 'a dump folder',
  };
  throw unsupported(name, kinds[type] ?? `an entry of tar type ${JSON.stringify(type)}`);
}

/** The entry's path relative to the destination with `/` separators; refuses absolute paths and `..`. */
function entryPath(name: string): string {
  if (name.startsWith('/')) throw pathEscape(name, `${quote(name)} is an absolute path; archive entries must be relative`);
  // Windows reads a backslash as a separator, so `..\\x` would escape there; no model file needs one.
  if (name.includes('\\')) throw pathEscape(name, `${quote(name)} contains a backslash, which could be read as a folder separator`);
  if (name.includes('\0')) throw corrupt(`${quote(name)} contains a NUL character`, name);
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw pathEscape(name, `${quote(name)} contains "..", which could climb out of the destination folder`);
  return parts.join('/');
}

async function skipPadding(reader: ByteReader, size: number, name: string): Promise<void> {
  const padding = (BLOCK - (size % BLOCK)) % BLOCK;
  if (padding === 0) return;
  const skipped = await reader.read(padding);
  if (skipped.length < padding) throw truncatedIn(name);
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** The bytes up to the first NUL, as UTF-8. */
function cString(buffer: Buffer, start: number, length: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

function quote(name: string): string {
  return JSON.stringify(name);
}

function corrupt(message: string, entry?: string): ArchiveError {
  return new ArchiveError(ArchiveErrorCode.ARCHIVE_CORRUPT, message, entry);
}

function truncatedIn(name: string): ArchiveError {
  return corrupt(`the archive ends inside ${quote(name)}; the upload is probably truncated`, name);
}

function tooLarge(name: string, message: string): ArchiveError {
  return new ArchiveError(ArchiveErrorCode.ARCHIVE_TOO_LARGE, message, name);
}

function pathEscape(name: string, message: string): ArchiveError {
  return new ArchiveError(ArchiveErrorCode.ARCHIVE_PATH_ESCAPE, message, name);
}

function duplicate(name: string, message: string): ArchiveError {
  return new ArchiveError(ArchiveErrorCode.ARCHIVE_DUPLICATE_ENTRY, message, name);
}

function unsupported(name: string, what: string): ArchiveError {
  return new ArchiveError(
    ArchiveErrorCode.ARCHIVE_UNSUPPORTED_ENTRY,
    `${quote(name)} is ${what}; archives may hold only regular files and folders`,
    name,
  );
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** The regular files under `root`, relative with `/` separators, sorted by code unit. */
async function listFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${rel}/`);
      else if (entry.isFile()) files.push(rel);
      else throw unsupported(rel, entry.isSymbolicLink() ? 'a symbolic link' : 'a special file');
    }
  };
  await walk(root, '');
  return files.sort();
}

async function* tarStream(root: string, files: string[]): AsyncGenerator<Buffer> {
  for (const rel of files) {
    const path = join(root, ...rel.split('/'));
    const { size } = await stat(path);
    yield* headerBlocks(rel, size);
    let sent = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      if (sent > size) break;
      yield chunk;
    }
    // The header already promised `size` bytes, so a file that changed underneath cannot be written faithfully.
    if (sent !== size) throw new Error(`${path} changed size while it was being archived; export again`);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** The header (and, where needed, a pax header before it) for a regular file. */
function headerBlocks(path: string, size: number): Buffer[] {
  const records: [string, string][] = [];
  let split = /^[\x20-\x7e]+$/.test(path) ? splitUstarPath(path) : undefined;
  if (!split) {
    records.push(['path', path]);
    split = { prefix: '', name: asciiTail(path, 100) };
  }
  if (size > MAX_OCTAL_SIZE) records.push(['size', String(size)]);
  const blocks: Buffer[] = [];
  if (records.length > 0) {
    const data = paxRecords(records);
    blocks.push(ustarHeader({ name: `PaxHeader/${asciiTail(path, 90)}`, prefix: '', size: data.length, type: 'x' }), data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(ustarHeader({ ...split, size: size > MAX_OCTAL_SIZE ? 0 : size, type: '0' }));
  return blocks;
}

/** Splits an ASCII path into ustar's prefix (≤ 155) and name (≤ 100) at a `/`, if it can. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (path.length <= 100) return { prefix: '', name: path };
  for (let slash = path.indexOf('/'); slash >= 0 && slash <= 155; slash = path.indexOf('/', slash + 1)) {
    if (path.length - slash - 1 <= 100) return { prefix: path.slice(0, slash), name: path.slice(slash + 1) };
  }
  return undefined;
}

/** A printable-ASCII stand-in for readers that ignore pax: the end of the path. */
function asciiTail(path: string, max: number): string {
  const ascii = path.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= max ? ascii : ascii.slice(ascii.length - max).replace(/^\/+/, '');
}

function paxRecords(records: [string, string][]): Buffer {
  const lines = records.map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    const bodyBytes = Buffer.byteLength(body);
    // The length counts its own digits.
    let length = bodyBytes + 1;
    while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
    return `${length}${body}`;
  });
  return Buffer.from(lines.join(''), 'utf8');
}

function ustarHeader(fields: { name: string; prefix: string; size: number; type: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'latin1');
  octal(block, 100, 8, 0o644); // mode
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, 0); // mtime: fixed, so archives are reproducible
  block.write(' '.repeat(8), 148, 8, 'latin1');
  block.write(fields.type, 156, 1, 'latin1');
  block.write('ustar\x0000', 257, 8, 'latin1');
  octal(block, 329, 8, 0); // devmajor
  octal(block, 337, 8, 0); // devminor
  block.write(fields.prefix, 345, 155, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

/** Zero-padded octal that fills the field but its last byte, a NUL. */
function octal(block: Buffer, start: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, start, length, 'latin1');
}
