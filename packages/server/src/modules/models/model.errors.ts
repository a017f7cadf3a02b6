// What model import and deletion refuse.

export const ModelErrorCode = {
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_INVALID: 'MODEL_INVALID',
  MODEL_NAME_TAKEN: 'MODEL_NAME_TAKEN',
  MODEL_IN_USE: 'MODEL_IN_USE',
} as const;
