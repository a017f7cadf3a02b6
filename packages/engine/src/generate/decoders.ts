// A causal language model as generation sees it: feed tokens, read the logits after the last one. Two
// implementations over onnxruntime: the cached export (each step feeds only the new tokens and the
// keys and values it returned last time) and the plain forward export (each step re-reads the sequence).

import * as ort from 'onnxruntime-node';
import { pastKeyName, pastValueName, presentKeyName, presentValueName } from '../export/decoder-export.ts';
import type { CacheShape } from '../models/architecture.ts';

/** One sequence being generated. */
export interface DecodingSequence {
  /** Appends `ids` and returns the logits (vocabulary) that follow the last of them. */
  feed(ids: readonly number[]): Promise<Float32Array>;
}

export interface LanguageModel {
  /** Whether steps reuse a key/value cache. */
  readonly cached: boolean;
  /** A new, empty sequence. */
  start(): DecodingSequence;
  release(): Promise<void>;
}

export interface SessionOptions {
  /** onnxruntime's CPU threads. @default onnxruntime's own choice (all cores) */
  threads?: number;
}

function createSession(bytes: Uint8Array, options: SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    logSeverityLevel: 3,
    ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
  });
}

const int64 = (values: readonly number[] | BigInt64Array, shape: number[]) =>
  new ort.Tensor('int64', values instanceof BigInt64Array ? values : BigInt64Array.from(values, BigInt), shape);

/** The last row of (1, T, V) logits. */
function lastRow(logits: ort.Tensor | undefined): Float32Array {
  if (!logits) throw new Error('the model returned no logits');
  const data = logits.data as Float32Array;
  const vocab = logits.dims[2] as number;
  return data.slice(data.length - vocab);
}

/** The cache's shape, read from the session's past_key_values inputs (batch, kv heads, past, head dim). */
function cacheShapeOf(session: ort.InferenceSession): CacheShape {
  const pasts = session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.'));
  const first = session.inputMetadata.find((m) => m.name === pastKeyName(0));
  const dims = first?.isTensor ? first.shape : [];
  const [kvHeads, headDim] = [dims[1], dims[3]];
  if (typeof kvHeads !== 'number' || typeof headDim !== 'number' || pasts.length === 0 || pasts.length % 2 !== 0)
    throw new Error(
      `not a decoder export with a key/value cache: it needs inputs ${pastKeyName(0)} and ${pastValueName(0)} of shape (batch, kv_heads, past_sequence, head_dim)`,
    );
  return { layers: pasts.length / 2, kvHeads, headDim };
}

/** Generation over the export of exportDecoderWithPast. */
export class CachedDecoder implements LanguageModel {
  readonly cached = true;
  private readonly session: ort.InferenceSession;
  private readonly shape: CacheShape;

  private constructor(session: ort.InferenceSession, shape: CacheShape) {
    this.session = session;
    this.shape = shape;
  }

  static async open(bytes: Uint8Array, options: SessionOptions = {}): Promise<CachedDecoder> {
    const session = await createSession(bytes, options);
    return new CachedDecoder(session, cacheShapeOf(session));
  }

  start(): DecodingSequence {
    const { kvHeads, headDim, layers } = this.shape;
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    let past: Record<string, ort.Tensor> = {};
    for (let i = 0; i < layers; i++) {
      past[pastKeyName(i)] = empty();
      past[pastValueName(i)] = empty();
    }
    let length = 0;
    return {
      feed: async (ids) => {
        const n = ids.length;
        const positions = Array.from({ length: n }, (_, t) => length + t);
        const out = await this.session.run({
          input_ids: int64(ids, [1, n]),
          attention_mask: int64(new BigInt64Array(length + n).fill(1n), [1, length + n]),
          position_ids: int64(positions, [1, n]),
          ...past,
        });
        const next: Record<string, ort.Tensor> = {};
        for (let i = 0; i < layers; i++) {
          next[pastKeyName(i)] = out[presentKeyName(i)] as ort.Tensor;
          next[pastValueName(i)] = out[presentValueName(i)] as ort.Tensor;
        }
        for (const t of Object.values(past)) t.dispose();
        past = next;
        length += n;
        return lastRow(out.logits);
      },
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Generation over the plain forward export (model.onnx): every step runs the whole sequence. */
export class UncachedDecoder implements LanguageModel {
  readonly cached = false;
  private readonly session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.session = session;
  }

  static async open(bytes: Uint8Array, options: SessionOptions = {}): Promise<UncachedDecoder> {
    return new UncachedDecoder(await createSession(bytes, options));
  }

  start(): DecodingSequence {
    const sequence: number[] = [];
    return {
      feed: async (ids) => {
        sequence.push(...ids);
        const shape = [1, sequence.length];
        const out = await this.session.run({
          input_ids: int64(sequence, shape),
          attention_mask: int64(new BigInt64Array(sequence.length).fill(1n), shape),
        });
        return lastRow(out.logits);
      },
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
