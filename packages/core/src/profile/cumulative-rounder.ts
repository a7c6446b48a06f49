/**
 * Rounds a sequence of non-negative amounts to integers so that the integers always add up to the rounded sum
 * of the amounts seen so far: each result is `round(running sum) - round(previous running sum)`, so rounding
 * errors carry forward instead of piling up. Exports use it to write integer byte counts that sum exactly to a
 * profile's total.
 */
export class CumulativeRounder {
  #exact = 0;
  #rounded = 0;

  /** The integer share of the next amount. Never negative for non-negative amounts. */
  next(amount: number): number {
    this.#exact += amount;
    const rounded = Math.round(this.#exact);
    const share = rounded - this.#rounded;
    this.#rounded = rounded;
    return share;
  }
}
