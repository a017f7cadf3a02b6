// Compensated summation, so streamed metrics over many batches do not drift from the two-pass reference values.

/**
 * Neumaier's variant of Kahan summation: the error stays near one rounding regardless of how many terms
 * are added or in which order, which is what lets a running total match numpy's pairwise sums closely.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    // Once the sum overflows the compensation is NaN (inf - inf); the plain sum is the right answer then.
    return Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum;
  }
}

export function compensatedSum(values: Iterable<number>): number {
  const s = new CompensatedSum();
  for (const v of values) s.add(v);
  return s.value;
}
