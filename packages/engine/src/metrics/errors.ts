// The one error metrics throw, so a caller can tell bad evaluation inputs from bugs.

/** Inputs a metric cannot score: mismatched lengths, labels out of range, unknown tags. */
export class MetricInputError extends Error {
  constructor(metric: string, message: string) {
    super(`${metric}: ${message}`);
    this.name = 'MetricInputError';
  }
}
