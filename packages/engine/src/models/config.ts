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

/** A config.json value that is missing, of the wrong type or out of range. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type RawConfig = Readonly<Record<string, unknown>>;

export class ConfigReader {
  readonly raw: RawConfig;
  readonly source: string;

  constructor(raw: RawConfig, source = 'config.json') {
    this.raw = raw;
    this.source = source;
  }

  private fail(key: string, want: string): never {
    throw new ConfigError(`${this.source}: '${key}' must be ${want}, got ${JSON.stringify(this.raw[key])}`);
  }

  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, 'a non-negative integer');
    return v;
  }

  positive(key: string, fallback?: number): number {
    const v = this.int(key, fallback);
    if (v === 0) this.fail(key, 'a positive integer');
    return v;
  }

  /**
   * A context length (max_position_embeddings, n_positions). Position and rotary tables of this length are built
   * before any weight is compared with the checkpoint, so an absurd value would allocate first and fail later.
   */
  positions(key: string, fallback: number): number {
    const v = this.positive(key, fallback);
    if (v > MAX_POSITIONS) this.fail(key, `a positive integer up to ${MAX_POSITIONS} (the longest context TuneQL builds tables for)`);
    return v;
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
