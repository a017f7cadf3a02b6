// What dataset uploads and creation refuse.

export const DatasetErrorCode = {
  DATASET_NOT_FOUND: 'DATASET_NOT_FOUND',
  /**
   * Rows or columns that do not fit the task: `extensions.issues` lists up to 20 of each kind (file, column and
   * wording) with row and column, `extensions.issueCounts` counts every kind, `extensions.issueTotal` all of them.
   */
  DATASET_INVALID: 'DATASET_INVALID',
  DATASET_NAME_TAKEN: 'DATASET_NAME_TAKEN',
  DATASET_IN_USE: 'DATASET_IN_USE',
  UPLOAD_NOT_FOUND: 'UPLOAD_NOT_FOUND',
  UPLOAD_TOO_LARGE: 'UPLOAD_TOO_LARGE',
} as const;
