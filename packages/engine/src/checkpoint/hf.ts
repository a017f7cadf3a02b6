// Hugging Face model folders: config.json plus model.safetensors or shards listed in model.safetensors.index.json.

import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type StagedFile, stageFile, writeAll } from './atomic.ts';
import { CheckpointError, ioError } from './errors.ts';
import { pythonJson } from './python-json.ts';
import {
  type LoadedTensor,
  readSafetensors,
  readSafetensorsHeader,
  resolveDtype,
  type SafetensorsDtype,
  type SafetensorsHeader,
  stageSafetensors,
  storedBytes,
  type TensorInput,
} from './safetensors.ts';

export const CONFIG_NAME = 'config.json';
export const WEIGHTS_NAME = 'model.safetensors';
export const WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';
const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;
const PICKLE_NAMES = ['pytorch_model.bin', 'pytorch_model.bin.index.json'];

export interface Checkpoint {
  config: Record<string, unknown>;
  /** Single file: in file order. Sharded: shard by shard (in file-name order), each in file order. */
  tensors: Map<string, LoadedTensor>;
}

export interface SaveCheckpointOptions {
  /**
   * Largest shard in bytes of tensor data; more than this splits the weights into model-0000i-of-0000N.safetensors,
   * filled greedily in the tensors' order, exactly as transformers' save_pretrained(max_shard_size=...) does.
   * A tensor bigger than the limit gets a shard of its own.
   * @default 50_000_000_000 // 50 GB, transformers' default
   */
  maxShardBytes?: number;
  /** Store every floating-point tensor in this dtype; integer tensors keep theirs. @default each tensor's own dtype */
  dtype?: 'F32' | 'F16' | 'BF16';
}

/**
 * Loads a Hugging Face model folder. Every file's header and the shard index are validated before any tensor data
 * is read, so a broken folder fails fast and nothing is returned half-loaded.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory())
      throw new CheckpointError(dir, 'is a file, not a model folder; pass the folder that holds config.json');
    names = await readdir(dir);
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw ioError(dir, 'open the model folder', err, 'check that the folder exists and is readable');
  }
  const config = await readModelConfig(dir);

  if (names.includes(WEIGHTS_NAME)) {
    const file = await readSafetensors(join(dir, WEIGHTS_NAME));
    return { config, tensors: file.tensors };
  }
  if (names.includes(WEIGHTS_INDEX_NAME)) {
    return { config, tensors: await loadSharded(dir) };
  }
  const pickle = PICKLE_NAMES.find((n) => names.includes(n));
  if (pickle) {
    throw new CheckpointError(
      dir,
      `has ${pickle} but no ${WEIGHTS_NAME}: PyTorch .bin (pickle) checkpoints are not supported, since loading them can run ` +
        `arbitrary code; convert the folder to safetensors (in Python: model.save_pretrained(dir, safe_serialization=True))`,
    );
  }
  throw new CheckpointError(
    dir,
    `has neither ${WEIGHTS_NAME} nor ${WEIGHTS_INDEX_NAME} (found: ${names.sort().join(', ') || 'nothing'}); ` +
      `save the model with save_pretrained or saveCheckpoint`,
  );
}

/** A model folder's config.json alone (no tensor is read), checked to be a JSON object. */
export async function readModelConfig(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, CONFIG_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CheckpointError(dir, `has no ${CONFIG_NAME}; a Hugging Face model folder needs one (save_pretrained writes it)`, {
        cause: err,
      });
    }
    throw ioError(path, 'read the model config', err, 'check that the file is readable');
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(path, `is not valid JSON: ${(err as Error).message}; fix or regenerate the config`, { cause: err });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new CheckpointError(
      path,
      `must hold a JSON object, not ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config}`,
    );
  }
  return config as Record<string, unknown>;
}

async function loadSharded(dir: string): Promise<Map<string, LoadedTensor>> {
  const indexPath = join(dir, WEIGHTS_INDEX_NAME);
  const weightMap = await readIndex(indexPath);

  // Group the index by shard, refusing any shard path that leaves the folder.
  const byShard = new Map<string, string[]>();
  const root = resolve(dir);
  for (const [tensor, shard] of weightMap) {
    const rel = relative(root, resolve(root, shard));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new CheckpointError(
        indexPath,
        `tensor '${tensor}' is mapped to '${shard}', which is outside the model folder; shard files must sit in the folder itself`,
        { tensor },
      );
    }
    const list = byShard.get(shard);
    if (list) list.push(tensor);
    else byShard.set(shard, [tensor]);
  }

  // Validate every shard's header and the index against them before reading any tensor data.
  const shards = [...byShard.keys()].sort();
  const headers = new Map<string, SafetensorsHeader>();
  for (const shard of shards) {
    const path = join(dir, shard);
    try {
      await stat(path);
    } catch (err) {
      const listed = byShard.get(shard)!;
      throw new CheckpointError(
        indexPath,
        `shard '${shard}' is missing (it should hold ${listed.length} tensors, e.g. '${listed[0]}'); copy the complete checkpoint folder`,
        { cause: err, tensor: listed[0] },
      );
    }
    headers.set(shard, await readSafetensorsHeader(path));
  }
  const foundIn = new Map<string, string>();
  for (const shard of shards) {
    for (const { name } of headers.get(shard)!.entries) {
      const other = foundIn.get(name);
      if (other !== undefined) {
        throw new CheckpointError(
          join(dir, shard),
          `tensor '${name}' is also in shard '${other}'; a tensor must be stored once — remove the stale shard or re-save the checkpoint`,
          { tensor: name },
        );
      }
      foundIn.set(name, shard);
      const listed = weightMap.get(name);
      if (listed !== shard) {
        throw new CheckpointError(
          join(dir, shard),
          `holds tensor '${name}', which ${WEIGHTS_INDEX_NAME} ${listed === undefined ? 'does not list' : `maps to '${listed}'`}; ` +
            'the index and shards disagree: re-save the checkpoint or regenerate the index',
          { tensor: name },
        );
      }
    }
  }
  for (const [tensor, shard] of weightMap) {
    if (!foundIn.has(tensor)) {
      throw new CheckpointError(
        join(dir, shard),
        `lacks tensor '${tensor}', which ${WEIGHTS_INDEX_NAME} maps to it; the shard is stale or the index is wrong — re-save the checkpoint`,
        { tensor },
      );
    }
  }

  const tensors = new Map<string, LoadedTensor>();
  for (const shard of shards) {
    const file = await readSafetensors(join(dir, shard));
    for (const [name, tensor] of file.tensors) {
      // The shard may have been replaced since its header was checked; the index check above must still hold.
      if (weightMap.get(name) !== shard) {
        throw new CheckpointError(join(dir, shard), `changed while loading: it now holds '${name}', not in the index`, { tensor: name });
      }
      tensors.set(name, tensor);
    }
  }
  return tensors;
}

async function readIndex(indexPath: string): Promise<Map<string, string>> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new CheckpointError(indexPath, `is not valid JSON: ${err.message}; re-save the checkpoint`, { cause: err });
    }
    throw ioError(indexPath, 'read the shard index', err, 'check that the file is readable');
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointError(indexPath, `has no "weight_map" object (tensor name -> shard file); re-save the checkpoint`);
  }
  // A Map, so tensor names such as 'constructor' never meet Object.prototype.
  const map = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '') {
      throw new CheckpointError(indexPath, `weight_map['${tensor}'] is ${JSON.stringify(shard)}; it must name a shard file`, { tensor });
    }
    map.set(tensor, shard);
  }
  return map;
}

/**
 * Saves a Hugging Face model folder as transformers' save_pretrained does: config.json, and model.safetensors or
 * model-0000i-of-0000N.safetensors shards plus model.safetensors.index.json (metadata.total_size, weight_map).
 * Files carry the metadata {"format": "pt"} that transformers expects. Every file is fully written and fsynced before
 * any is renamed into place; weights go in first, then stale weight files from an earlier save are removed, then
 * config.json. A crash between those renames can leave new weights next to the old config.json, never a torn file.
 */
export async function saveCheckpoint(
  dir: string,
  config: Readonly<Record<string, unknown>>,
  tensors: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const maxShardBytes = options.maxShardBytes ?? 50_000_000_000;
  if (!(Number.isSafeInteger(maxShardBytes) && maxShardBytes > 0)) {
    throw new CheckpointError(dir, `maxShardBytes must be a positive integer, got ${maxShardBytes}`);
  }
  if (options.dtype !== undefined && !['F32', 'F16', 'BF16'].includes(options.dtype)) {
    throw new CheckpointError(dir, `dtype option must be F32, F16 or BF16, got ${JSON.stringify(options.dtype)}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new CheckpointError(join(dir, CONFIG_NAME), 'config must be a plain object');
  }
  const configText = `${pythonJson(config)}\n`;

  const entries: [string, TensorInput][] = [];
  for (const [name, input] of tensors instanceof Map ? tensors : Object.entries(tensors)) {
    const stored = resolveDtype(input);
    const dtype: SafetensorsDtype = options.dtype !== undefined && FLOAT_DTYPES.has(stored) ? options.dtype : stored;
    entries.push([name, { dtype, shape: input.shape, data: input.data }]);
  }
  const shards = splitShards(entries, maxShardBytes);

  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw ioError(dir, 'create the model folder', err, 'check the parent folder is writable');
  }
  const metadata = { format: 'pt' };
  const staged: StagedFile[] = [];
  let configFile: StagedFile | undefined;
  const keep = new Set<string>([CONFIG_NAME]);
  try {
    if (shards.length <= 1) {
      staged.push(await stageSafetensors(join(dir, WEIGHTS_NAME), new Map(shards[0] ?? []), metadata));
      keep.add(WEIGHTS_NAME);
    } else {
      const weightMap: Record<string, string> = {};
      let totalSize = 0;
      let totalParameters = 0;
      for (const [i, shard] of shards.entries()) {
        const file = `model-${pad5(i + 1)}-of-${pad5(shards.length)}.safetensors`;
        staged.push(await stageSafetensors(join(dir, file), new Map(shard), metadata));
        keep.add(file);
        for (const [name, input] of shard) {
          weightMap[name] = file;
          totalSize += storedBytes(input.shape, resolveDtype(input));
          totalParameters += input.data.length;
        }
      }
      // transformers records model.num_parameters(); every saved tensor counts here, as buffers are rarely saved.
      const index = { metadata: { total_parameters: totalParameters, total_size: totalSize }, weight_map: weightMap };
      staged.push(await stageText(join(dir, WEIGHTS_INDEX_NAME), `${pythonJson(index)}\n`));
      keep.add(WEIGHTS_INDEX_NAME);
    }
    configFile = await stageText(join(dir, CONFIG_NAME), configText);
    for (const file of staged) await file.commit();
    await removeStaleWeights(dir, keep);
    await configFile.commit();
  } catch (err) {
    for (const file of staged) await file.discard();
    await configFile?.discard();
    throw err;
  }
}

const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F64', 'F32', 'F16', 'BF16']);

/** huggingface_hub's split_state_dict_into_shards_factory, in the tensors' order. */
function splitShards(entries: readonly [string, TensorInput][], maxShardBytes: number): [string, TensorInput][][] {
  const shards: [string, TensorInput][][] = [];
  let current: [string, TensorInput][] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const bytes = storedBytes(entry[1].shape, resolveDtype(entry[1]));
    if (bytes > maxShardBytes) {
      // Like the reference, an oversized tensor's shard is closed at once, ahead of the shard still being filled.
      shards.push([entry]);
      continue;
    }
    if (currentBytes + bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

function stageText(path: string, text: string): Promise<StagedFile> {
  return stageFile(path, (handle) => writeAll(handle, new TextEncoder().encode(text)));
}

/** Removes weight files of an earlier save that the new one does not replace, as save_pretrained does. */
async function removeStaleWeights(dir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const name of await readdir(dir)) {
    if (keep.has(name)) continue;
    if (name === WEIGHTS_NAME || name === WEIGHTS_INDEX_NAME || SHARD_NAME.test(name)) {
      try {
        await unlink(join(dir, name));
      } catch (err) {
        throw ioError(join(dir, name), 'remove a stale weight file', err, 'delete it by hand; the new checkpoint is complete');
      }
    }
  }
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}
