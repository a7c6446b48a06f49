import { RamflowError } from '../errors.js';
import type { RecordSummary, RequestRecord, Store } from '../types.js';

/** How long a custom store may take to answer one call. */
export const STORE_TIMEOUT_MS = 5_000;
/** Most calls waiting for a custom store's answer at once; beyond it, calls fail at once rather than pile up. */
export const MAX_WAITING_CALLS = 256;

/**
 * A custom store behind time limits: every call answers within STORE_TIMEOUT_MS (or fails with
 * RAMFLOW_STORE_TIMEOUT), and at most MAX_WAITING_CALLS wait at once, so a store that never answers can neither
 * hang the dashboard nor make ramflow hold a growing set of pending records. Synchronous answers pass through.
 */
export class TimeLimitedStore implements Store {
  #waiting = 0;

  constructor(
    readonly inner: Store,
    readonly timeoutMs = STORE_TIMEOUT_MS,
  ) {}

  add(record: RequestRecord): void | Promise<void> {
    return this.#limit('add', () => this.inner.add(record));
  }

  get(id: string): RequestRecord | undefined | Promise<RequestRecord | undefined> {
    return this.#limit('get', () => this.inner.get(id));
  }

  list(limit?: number): RecordSummary[] | Promise<RecordSummary[]> {
    return this.#limit('list', () => (limit === undefined ? this.inner.list() : this.inner.list(limit)));
  }

  clear(): void | Promise<void> {
    return this.#limit('clear', () => this.inner.clear());
  }

  #limit<T>(call: string, run: () => T | Promise<T>): T | Promise<T> {
    if (this.#waiting >= MAX_WAITING_CALLS)
      return Promise.reject(
        new RamflowError(
          'RAMFLOW_STORE_TIMEOUT',
          `the store has ${this.#waiting} calls still unanswered; ${call}() was not made`,
        ),
      );
    const value = run();
    if (!(value instanceof Promise)) return value;
    this.#waiting++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(
          new RamflowError(
            'RAMFLOW_STORE_TIMEOUT',
            `the store did not answer ${call}() within ${this.timeoutMs / 1000} s`,
          ),
        );
      }, this.timeoutMs);
      timer.unref();
      // The count drops when the store answers, late or not: a late answer is ignored, but until then the call
      // is still the store's work in flight.
      value.then(
        (result) => {
          this.#waiting--;
          clearTimeout(timer);
          if (!settled) resolve(result);
        },
        (error: unknown) => {
          this.#waiting--;
          clearTimeout(timer);
          if (!settled) reject(error);
        },
      );
    });
  }
}
