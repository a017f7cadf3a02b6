// Reading tokenizer.json sections: typed fields with the library's defaults, and errors that name the file and JSON path.

/** A tokenizer.json that cannot be used: malformed, or naming a component this port does not implement. */
export class TokenizerConfigError extends Error {
  override name = 'TokenizerConfigError';
  /** The file (or `<json>` for an in-memory object) the problem is in. */
  readonly source: string;
  /** JSON path of the offending value, e.g. `normalizer.normalizers[1].type`. */
  readonly path: string;

  constructor(source: string, path: string, problem: string, options?: { cause?: unknown }) {
    super(`${source}: ${path === '' ? '' : `${path}: `}${problem}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.source = source;
    this.path = path;
  }
}

/** A failure while encoding or decoding, after the tokenizer loaded (e.g. a missing unk token for an unknown character). */
export class TokenizationError extends Error {
  override name = 'TokenizationError';
}

const describe = (v: unknown): string => (v === undefined ? 'nothing' : (JSON.stringify(v)?.slice(0, 80) ?? String(v)));

/** One JSON object of a tokenizer.json, with accessors that apply defaults and fail naming the field. */
export class Section {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly source: string;
  readonly path: string;

  constructor(value: unknown, source: string, path: string) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TokenizerConfigError(source, path, `expected a JSON object, got ${describe(value)}`);
    }
    this.raw = value as Record<string, unknown>;
    this.source = source;
    this.path = path;
  }

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  fail(key: string, problem: string): never {
    throw new TokenizerConfigError(this.source, this.at(key), problem);
  }

  private want(key: string, what: string): never {
    this.fail(key, `must be ${what}, got ${describe(this.raw[key])}`);
  }

  /** The `type` tag of a component, checked against what this port implements. */
  type(kind: string, supported: readonly string[]): string {
    const t = this.raw.type;
    if (typeof t !== 'string') this.want('type', `a string naming the ${kind}`);
    if (!supported.includes(t)) {
      this.fail('type', `unsupported ${kind} type "${t}"; this tokenizer port implements ${supported.join(', ')}`);
    }
    return t;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'boolean') this.want(key, 'true or false');
    return v;
  }

  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.want(key, 'a non-negative integer');
    return v;
  }

  optionalInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  number(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.want(key, 'a finite number');
    return v;
  }

  string(key: string, fallback?: string): string {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'string') this.want(key, 'a string');
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  /** A string holding exactly one Unicode character (Rust `char` fields). */
  char(key: string, fallback?: string): string {
    const v = this.string(key, fallback);
    if ([...v].length !== 1) this.want(key, 'a single character');
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback?: T): T {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.want(key, `one of ${values.join(', ')}`);
    return v as T;
  }

  array(key: string): unknown[] {
    const v = this.raw[key];
    if (!Array.isArray(v)) this.want(key, 'an array');
    return v;
  }

  object(key: string): Section {
    return new Section(this.raw[key], this.source, this.at(key));
  }

  /** The i-th element of an array field, as a section. */
  item(key: string, list: readonly unknown[], i: number): Section {
    return new Section(list[i], this.source, `${this.at(key)}[${i}]`);
  }
}
