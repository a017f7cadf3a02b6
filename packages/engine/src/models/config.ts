// Reading a Hugging Face config.json: typed fields with the library's defaults and errors that name the field.

export type Task = 'sequence-classification' | 'regression' | 'token-classification' | 'question-answering' | 'causal-lm' | 'masked-lm';

export const TASKS: readonly Task[] = [
  'sequence-classification',
  'regression',
  'token-classification',
  'question-answering',
  'causal-lm',
  'masked-lm',
];

/** The longest context a config.json may declare (Llama 3.1's 131,072 twice over). */
export const MAX_POSITIONS = 262_144;

/** A config.json value that is missing, of the wrong type or out of range; `key` and `value` name it when one key is at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly key: string | undefined;
  readonly value: unknown;

  constructor(message: string, key?: string, value?: unknown) {
    super(message);
    this.key = key;
    this.value = value;
  }
}

const WIDTH = 65_536;
const FEED_FORWARD = 262_144;
const DEPTH = 1_024;

/**
 * Upper bounds of config.json's size fields under every family's names: several times the largest published
 * models', so a real checkpoint always passes and a mistyped or hostile size (1e9) is refused when the model
 * is read, before any tensor of that size is planned.
 */
export const CONFIG_SIZE_LIMITS: Readonly<Record<string, number>> = {
  hidden_size: WIDTH,
  n_embd: WIDTH,
  dim: WIDTH,
  head_dim: WIDTH,
  intermediate_size: FEED_FORWARD,
  hidden_dim: FEED_FORWARD,
  n_inner: FEED_FORWARD,
  num_hidden_layers: DEPTH,
  n_layer: DEPTH,
  n_layers: DEPTH,
  num_attention_heads: DEPTH,
  n_head: DEPTH,
  n_heads: DEPTH,
  num_key_value_heads: DEPTH,
  vocab_size: 4_194_304,
  type_vocab_size: DEPTH,
  max_position_embeddings: MAX_POSITIONS,
  n_positions: MAX_POSITIONS,
  num_labels: 1_000_000,
};

export type RawConfig = Readonly<Record<string, unknown>>;

export class ConfigReader {
  readonly raw: RawConfig;
  readonly source: string;

  constructor(raw: RawConfig, source = 'config.json') {
    this.raw = raw;
    this.source = source;
  }

  private fail(key: string, want: string): never {
    throw new ConfigError(`${this.source}: '${key}' must be ${want}, got ${JSON.stringify(this.raw[key])}`, key, this.raw[key]);
  }

  /** An integer of at least `min`, and at most the key's CONFIG_SIZE_LIMITS entry when it has one. */
  private integer(key: string, fallback: number | undefined, min: 0 | 1): number {
    const v = this.raw[key] ?? fallback;
    const max = CONFIG_SIZE_LIMITS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || (max !== undefined && v > max))
      this.fail(key, `a ${min ? 'positive' : 'non-negative'} integer${max === undefined ? '' : ` no larger than ${max}`}`);
    return v;
  }

  int(key: string, fallback?: number): number {
    return this.integer(key, fallback, 0);
  }

  positive(key: string, fallback?: number): number {
    return this.integer(key, fallback, 1);
  }

  /**
   * A context length (max_position_embeddings, n_positions). Position and rotary tables of this length are built
   * before any weight is compared with the checkpoint, so an absurd value would allocate first and fail later.
   */
  positions(key: string, fallback: number): number {
    // CONFIG_SIZE_LIMITS bounds both names by MAX_POSITIONS.
    return this.positive(key, fallback);
  }

  num(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a number');
    return v;
  }

  /** A number above zero, such as a norm's epsilon: the graph op would refuse another without naming config.json. */
  positiveNum(key: string, fallback?: number): number {
    const v = this.num(key, fallback);
    if (v <= 0) this.fail(key, 'a number above 0');
    return v;
  }

  /** A probability such as a dropout rate; null in the file means `fallback`. */
  prob(key: string, fallback: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || v < 0 || v >= 1) this.fail(key, 'a number in [0, 1)');
    return v;
  }

  str(key: string, fallback?: string): string {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  optionalInt(key: string): number | undefined {
    return this.raw[key] === undefined || this.raw[key] === null ? undefined : this.int(key);
  }

  /** Number of labels: `num_labels`, else the size of `id2label`, else 2 (transformers' default). */
  numLabels(): number {
    if (typeof this.raw.num_labels === 'number') return this.positive('num_labels');
    const id2label = this.raw.id2label;
    if (id2label && typeof id2label === 'object') return Object.keys(id2label).length;
    return 2;
  }
}
