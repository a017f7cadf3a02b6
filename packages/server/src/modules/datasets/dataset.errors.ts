// What dataset uploads and creation refuse.

export const DatasetErrorCode = {
  DATASET_NOT_FOUND: 'DATASET_NOT_FOUND',
  /** Rows or columns that do not fit the task; `extensions.issues` lists each with row and column. */
  DATASET_INVALID: 'DATASET_INVALID',
  DATASET_NAME_TAKEN: 'DATASET_NAME_TAKEN',
  DATASET_IN_USE: 'DATASET_IN_USE',
  UPLOAD_NOT_FOUND: 'UPLOAD_NOT_FOUND',
  UPLOAD_TOO_LARGE: 'UPLOAD_TOO_LARGE',
} as const;
