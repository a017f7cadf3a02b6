// Generation options (Hugging Face's GenerationConfig names, camel-cased), their defaults, and the
// check that turns a bad value into an error that names the option.

export interface GenerationOptions {
  /** Tokens to generate at most (fewer when the model's longest sequence is reached first). @default 20 */
  maxNewTokens?: number;
  /** Sample from the distribution rather than take the likeliest token. @default true when temperature, topK or topP is given, else false */
  doSample?: boolean;
  /** Divides the logits before sampling; 0 means greedy. @default 1 */
  temperature?: number;
  /** Sample among the k likeliest tokens only; 0 turns the filter off. @default 0 */
  topK?: number;
  /** Sample among the fewest likeliest tokens whose probabilities add up to at least p, in (0, 1]. @default 1 */
  topP?: number;
  /** Divides the positive logits (multiplies the negative) of tokens already in the sequence; 1 is off. @default 1 */
  repetitionPenalty?: number;
  /** Seed of the sampler's random numbers: the same seed gives the same tokens. @default a random seed, returned with the result */
  seed?: number;
  /** Stop when the text generated contains one of these; the text is cut before it. @default [] */
  stop?: readonly string[];
}

/** Every option with its value decided. */
export interface GenerationSettings {
  maxNewTokens: number;
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  seed: number;
  stop: readonly string[];
}

export const GENERATION_DEFAULTS = { maxNewTokens: 20, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 } as const;

/** PROMPT_TOO_LONG: the prompt fills the model's context, leaving no room to generate. */
export type GenerationOptionCode = 'GENERATION_OPTION_INVALID' | 'GENERATION_OPTION_UNKNOWN' | 'PROMPT_TOO_LONG';

/** A generation option with a value generation cannot use; `option` names it. */
export class GenerationOptionError extends Error {
  override name = 'GenerationOptionError';
  readonly code: GenerationOptionCode;
  readonly option: string;
  constructor(option: string, problem: string, code: GenerationOptionCode = 'GENERATION_OPTION_INVALID') {
    super(`generation option '${option}': ${problem}`);
    this.option = option;
    this.code = code;
  }
}

/** Every option's name: what resolveGeneration accepts, and what callers pick out of wider option objects. */
export const GENERATION_OPTION_NAMES = [
  'maxNewTokens',
  'doSample',
  'temperature',
  'topK',
  'topP',
  'repetitionPenalty',
  'seed',
  'stop',
] as const;
const KNOWN = GENERATION_OPTION_NAMES;

function check(option: string, value: number | undefined, ok: (v: number) => boolean, expected: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || !ok(value))
    throw new GenerationOptionError(option, `must be ${expected}, got ${String(value)}`);
}

/** The options with defaults filled in; throws GenerationOptionError for an unknown option or a bad value. */
export function resolveGeneration(options: GenerationOptions = {}): GenerationSettings {
  for (const key of Object.keys(options)) {
    if (!(KNOWN as readonly string[]).includes(key))
      throw new GenerationOptionError(key, `unknown option; known options: ${KNOWN.join(', ')}`, 'GENERATION_OPTION_UNKNOWN');
  }
  check('maxNewTokens', options.maxNewTokens, (v) => Number.isInteger(v) && v >= 1, 'a whole number of at least 1');
  check('temperature', options.temperature, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0 (0 is greedy)');
  check('topK', options.topK, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0 (0 turns it off)');
  check('topP', options.topP, (v) => v > 0 && v <= 1, 'in (0, 1] (1 turns it off)');
  check('repetitionPenalty', options.repetitionPenalty, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0 (1 turns it off)');
  check('seed', options.seed, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'a whole number in [0, 2^32)');
  if (options.doSample !== undefined && typeof options.doSample !== 'boolean')
    throw new GenerationOptionError('doSample', `must be true or false, got ${String(options.doSample)}`);
  const stop = options.stop ?? [];
  if (!Array.isArray(stop)) throw new GenerationOptionError('stop', 'must be a list of strings');
  stop.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw new GenerationOptionError('stop', `entry ${i} must be a non-empty string`);
  });
  const temperature = options.temperature ?? GENERATION_DEFAULTS.temperature;
  const asked = options.temperature !== undefined || options.topK !== undefined || options.topP !== undefined;
  return {
    maxNewTokens: options.maxNewTokens ?? GENERATION_DEFAULTS.maxNewTokens,
    // A temperature of 0 is greedy whatever doSample says, as the limit of sampling at lower and lower temperatures.
    doSample: temperature > 0 && (options.doSample ?? asked),
    temperature,
    topK: options.topK ?? GENERATION_DEFAULTS.topK,
    topP: options.topP ?? GENERATION_DEFAULTS.topP,
    repetitionPenalty: options.repetitionPenalty ?? GENERATION_DEFAULTS.repetitionPenalty,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    stop,
  };
}
