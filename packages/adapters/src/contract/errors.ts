// Coded errors of the strategy contract: each names the plugin, and the hook or config field at fault.

/** Every way the host refuses a strategy or a strategy fails a run. */
export const STRATEGY_ERROR_CODES = [
  /** The id does not match /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/. */
  'STRATEGY_ID_INVALID',
  /** Another registered strategy has the same id. */
  'STRATEGY_DUPLICATE_ID',
  /** Another registered strategy's parameter prefix equals or overlaps this one's. */
  'STRATEGY_PREFIX_CONFLICT',
  /** The strategy's `host` range does not include this host's version. */
  'STRATEGY_HOST_MISMATCH',
  /** The strategy object lacks a field, or a field has the wrong form (version, host range, schema, hooks...). */
  'STRATEGY_DEFINITION_INVALID',
  /** A run's strategy config fails the strategy's schema. */
  'STRATEGY_CONFIG_INVALID',
  /** No strategy under that id, or no plugin module at that name or path. */
  'STRATEGY_NOT_FOUND',
  /** The plugin module was found but importing it threw. */
  'STRATEGY_LOAD_FAILED',
  /** The strategy does not support the model's task or architecture. */
  'STRATEGY_UNSUPPORTED',
  /** The strategy cannot fold its adaptation into the base weights (bottleneck adapters). */
  'STRATEGY_MERGE_UNSUPPORTED',
  /** The strategy has no export or load hook. */
  'STRATEGY_EXPORT_UNSUPPORTED',
  /** A hook threw. */
  'STRATEGY_HOOK_FAILED',
  /** A hook returned something the contract forbids (parameters without the prefix, an unknown name in a schedule...). */
  'STRATEGY_CONTRACT_VIOLATED',
  /** An exported artifact does not fit the model it is loaded onto. */
  'STRATEGY_ARTIFACT_INVALID',
] as const;

export type StrategyErrorCode = (typeof STRATEGY_ERROR_CODES)[number];

/** The hooks a strategy may have, as named in errors. Model hooks run while a graph is built. */
export const HOOK_NAMES = [
  'inject',
  'schedule',
  'merge',
  'export',
  'load',
  'hooks',
  'hooks.linear',
  'hooks.adapter',
  'hooks.parameter',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export interface StrategyErrorDetails {
  /** The strategy id, or the package name or path it was loaded from. */
  plugin?: string;
  hook?: HookName;
  /** A config or definition field, dotted ('r', 'targetModules.0'). */
  path?: string;
  cause?: unknown;
}

export class StrategyError extends Error {
  override name = 'StrategyError';
  readonly code: StrategyErrorCode;
  readonly plugin: string | undefined;
  readonly hook: HookName | undefined;
  readonly path: string | undefined;

  constructor(code: StrategyErrorCode, message: string, details: StrategyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.plugin = details.plugin;
    this.hook = details.hook;
    this.path = details.path;
  }
}

export function isStrategyError(err: unknown, code?: StrategyErrorCode): err is StrategyError {
  return err instanceof StrategyError && (code === undefined || err.code === code);
}
