// Folders in storage that appear all at once: a model, a checkpoint, a run's export. Every file is
// uploaded first and a manifest (`PREFIX.manifest.json`: each file's path, size and sha256) is written
// last, so a tree without its manifest (a crash or outage mid-upload) is invisible to readers, and
// each file read back is checked against the manifest.

import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ChecksumMismatchError, type Storage, StorageError, StorageErrorCode } from './storage.ts';

export const MANIFEST_SUFFIX = '.manifest.json';

export interface TreeManifest {
  version: 1;
  /** Paths relative to the tree, '/'-separated, in order. */
  files: { path: string; bytes: number; sha256: string }[];
  createdAt: string;
}

export function manifestKey(prefix: string): string {
  return `${prefix}${MANIFEST_SUFFIX}`;
}

/** The files under `dir`, relative, '/'-separated; dot-files and folders (editor and OS litter) are left out. */
async function filesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) await walk(join(d, e.name));
      // A link counts as the file it points to.
      else if (e.isFile() || (e.isSymbolicLink() && statSync(join(d, e.name)).isFile()))
        out.push(relative(dir, join(d, e.name)).split('\\').join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Uploads the folder `dir` as the tree `prefix`: the files, then the manifest that makes it visible. */
export async function publishTree(storage: Storage, prefix: string, dir: string): Promise<TreeManifest> {
  const files: TreeManifest['files'] = [];
  for (const path of await filesOf(dir)) {
    const stored = await storage.putFile(`${prefix}/${path}`, join(dir, path));
    files.push({ path, bytes: stored.bytes, sha256: stored.sha256 as string });
  }
  const manifest: TreeManifest = { version: 1, files, createdAt: new Date().toISOString() };
  await storage.putBytes(manifestKey(prefix), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The tree's manifest; undefined when the tree is incomplete or absent. */
export async function readManifest(storage: Storage, prefix: string): Promise<TreeManifest | undefined> {
  if (!(await storage.head(manifestKey(prefix)))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.read(manifestKey(prefix))) chunks.push(chunk as Buffer);
  const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TreeManifest;
  if (manifest.version !== 1 || !Array.isArray(manifest.files))
    throw new StorageError('MANIFEST_INVALID', `${storage.location}/${manifestKey(prefix)} is not a TuneQL tree manifest`);
  return manifest;
}

/** The names of the complete trees directly inside the folder `folder`, in order. */
export async function listTrees(storage: Storage, folder: string): Promise<string[]> {
  const names: string[] = [];
  for (const o of await storage.list(folder)) {
    const rest = o.key.slice(folder.length + 1);
    if (!rest.includes('/') && rest.endsWith(MANIFEST_SUFFIX)) names.push(rest.slice(0, -MANIFEST_SUFFIX.length));
  }
  return names.sort();
}

/**
 * Downloads the complete tree `prefix` into `dest`, each file checked against the manifest, except
 * those `checkedByReader` names (their reader verifies them end to end and decides what to do).
 */
export async function fetchTree(
  storage: Storage,
  prefix: string,
  dest: string,
  manifest?: TreeManifest,
  checkedByReader: (path: string) => boolean = () => false,
): Promise<TreeManifest> {
  const m = manifest ?? (await readManifest(storage, prefix));
  if (!m)
    throw new StorageError(
      StorageErrorCode.OBJECT_NOT_FOUND,
      `${storage.location}/${prefix} is not a complete tree (its manifest is missing: never written, or the upload was cut off)`,
    );
  for (const f of m.files) {
    const unchecked = checkedByReader(f.path);
    const got = await storage.getFile(`${prefix}/${f.path}`, join(dest, f.path), { verify: !unchecked });
    if (!unchecked && got.sha256 !== f.sha256)
      throw new ChecksumMismatchError(`${storage.location}/${prefix}/${f.path}`, f.sha256, got.sha256 ?? '?');
  }
  return m;
}

/** Removes a tree: its manifest first, so readers stop seeing it before any file goes. */
export async function removeTree(storage: Storage, prefix: string): Promise<void> {
  await storage.remove(manifestKey(prefix));
  await storage.removePrefix(prefix);
}
