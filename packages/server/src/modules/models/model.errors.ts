// What model import and deletion refuse.

export const ModelErrorCode = {
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_INVALID: 'MODEL_INVALID',
  MODEL_NAME_TAKEN: 'MODEL_NAME_TAKEN',
  MODEL_IN_USE: 'MODEL_IN_USE',
  /** importModelFromDirectory named a folder outside TUNEQL_MODEL_DIRS. */
  MODEL_PATH_NOT_ALLOWED: 'MODEL_PATH_NOT_ALLOWED',
} as const;
