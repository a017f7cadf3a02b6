// The one error type for checkpoint files: every message names the file, and where it applies the tensor and byte range.

/** A checkpoint file or folder that cannot be read or written as asked. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  /** The file or folder the problem is in. */
  readonly file: string;
  /** The tensor the problem is about, when there is one. */
  readonly tensor: string | undefined;

  constructor(file: string, problem: string, options?: { tensor?: string; cause?: unknown }) {
    super(`${file}: ${problem}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.tensor = options?.tensor;
  }
}

/** Wraps a Node file-system error so the message says which file and what to check. */
export function ioError(file: string, action: string, err: unknown, hint: string): CheckpointError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  return new CheckpointError(file, `cannot ${action} (${code ?? reason}); ${hint}`, { cause: err });
}
