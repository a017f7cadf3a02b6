// Text generation: options, token choice, the loop, and the models it runs on.

export { CachedDecoder, type DecodingSequence, type LanguageModel, type SessionOptions, UncachedDecoder } from './decoders.ts';
export { FINISH_REASONS, type FinishReason, type GenerationContext, type GenerationResult, generate } from './generate.ts';
export {
  GENERATION_DEFAULTS,
  GENERATION_OPTION_NAMES,
  type GenerationOptionCode,
  GenerationOptionError,
  type GenerationOptions,
  type GenerationSettings,
  resolveGeneration,
} from './options.ts';
export { argmax, draw, nextToken, penalizeRepetition, type SamplingSettings, samplingDistribution } from './sampling.ts';
export { TextStream } from './text-stream.ts';
