// What model import and deletion refuse.

export const ModelErrorCode = {
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_INVALID: 'MODEL_INVALID',
  /** config.json names an unknown architecture, or a size that is not a positive integer within bounds, or that disagrees with the weights; `key` and `value` say which. */
  MODEL_CONFIG_INVALID: 'MODEL_CONFIG_INVALID',
  MODEL_NAME_TAKEN: 'MODEL_NAME_TAKEN',
  MODEL_IN_USE: 'MODEL_IN_USE',
  /** importModelFromDirectory named a folder outside TUNEQL_MODEL_DIRS. */
  MODEL_PATH_NOT_ALLOWED: 'MODEL_PATH_NOT_ALLOWED',
} as const;
