import { performance } from 'node:perf_hooks';

/** How a waiting entry came to proceed. */
export interface GateAdmission {
  /** Time from `enter` to this outcome, in ms. */
  waitedMs: number;
  /**
   * The entry waited longer than the gate's timeout and proceeds anyway, alongside whatever is inside: its
   * measurements are not exclusive.
   */
  timedOut: boolean;
  /** False when the entry was withdrawn before it was admitted: it is not inside and must not `leave`. */
  admitted: boolean;
}

interface Waiter {
  readonly exclusive: boolean;
  readonly since: number;
  /** The gate's held time (`hold`) when the waiter arrived: time held since then does not count. */
  readonly heldAtEntry: number;
  readonly ticket: Promise<GateAdmission>;
  resolve: (admission: GateAdmission) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A readers–writer gate with FIFO fairness. Shared entries proceed together unless an exclusive one is inside or
 * queued ahead of them; an exclusive entry proceeds only when nothing else is inside. A waiter that waits longer
 * than `timeoutMs` proceeds anyway (and is then counted inside as what it asked to be, so later arrivals still
 * queue behind an exclusive one); its admission says `timedOut`.
 *
 * `enter` is on every profiled request: while no exclusive entry is inside or waiting it only bumps a counter
 * and returns undefined, allocating nothing.
 *
 * While the gate is held (`hold`, around a heap snapshot), the timeout clock stops for every waiter.
 */
export class IsolationGate {
  readonly timeoutMs: number;
  #shared = 0;
  #exclusive = 0;
  readonly #queue: Waiter[] = [];
  /** Holds in progress (`hold`), since when, and the time held before them. */
  #holds = 0;
  #heldSince = 0;
  #heldMs = 0;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Entries inside now (shared and exclusive). */
  get inside(): number {
    return this.#shared + this.#exclusive;
  }

  /** Entries waiting now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Returns undefined when the caller may proceed now (it is then inside), or a promise that resolves when it
   * may (never rejects). Either way the caller must `leave` with the same `exclusive` once done, unless it
   * withdraws while still waiting.
   */
  enter(exclusive: boolean): Promise<GateAdmission> | undefined {
    if (this.#exclusive === 0 && this.#queue.length === 0) {
      if (!exclusive) {
        this.#shared++;
        return undefined;
      }
      if (this.#shared === 0) {
        this.#exclusive++;
        return undefined;
      }
    }
    return this.#wait(exclusive);
  }

  /**
   * Stops the waiters' timeout clock until the returned function is called (holds nest; calling it again does
   * nothing). For a heap snapshot, which blocks the process for seconds on behalf of the exclusive entry inside:
   * counting that time, waiters would time out and run alongside the request being snapshotted (seen in a test
   * app on a loaded machine: 2.1-6.4 s per snapshot of a 11-16 MB file, against the 2 s timeout).
   */
  hold(): () => void {
    if (this.#holds++ === 0) {
      this.#heldSince = performance.now();
      for (const waiter of this.#queue) this.#disarm(waiter);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds > 0) return;
      this.#heldMs += performance.now() - this.#heldSince;
      for (const waiter of this.#queue) this.#arm(waiter);
    };
  }

  /** An entry that was inside is done. */
  leave(exclusive: boolean): void {
    if (exclusive) {
      if (this.#exclusive > 0) this.#exclusive--;
    } else if (this.#shared > 0) {
      this.#shared--;
    }
    if (this.#queue.length > 0) this.#admitWaiting();
  }

  /**
   * Gives up a wait that `enter` returned. True when it was still waiting: it is removed from the queue (its
   * promise resolves with `admitted: false`) and must not `leave`. False when it was admitted already (its
   * promise may not have been handled yet): it is inside and must `leave`.
   */
  withdraw(ticket: Promise<GateAdmission>): boolean {
    const index = this.#queue.findIndex((waiter) => waiter.ticket === ticket);
    if (index < 0) return false;
    const waiter = this.#queue[index] as Waiter;
    this.#queue.splice(index, 1);
    this.#settle(waiter, false, false);
    // An exclusive waiter at the head may have held back shared ones behind it.
    if (this.#queue.length > 0) this.#admitWaiting();
    return true;
  }

  #wait(exclusive: boolean): Promise<GateAdmission> {
    let resolve: (admission: GateAdmission) => void = () => {};
    const ticket = new Promise<GateAdmission>((done) => {
      resolve = done;
    });
    const now = performance.now();
    const waiter: Waiter = {
      exclusive,
      since: now,
      heldAtEntry: this.#heldTime(now),
      ticket,
      resolve,
      timer: undefined,
    };
    this.#arm(waiter);
    this.#queue.push(waiter);
    return ticket;
  }

  /** Time the gate has been held so far, including a hold in progress. */
  #heldTime(now: number): number {
    return this.#heldMs + (this.#holds > 0 ? now - this.#heldSince : 0);
  }

  /** Starts a waiter's timeout for the rest of its time (none while the gate is held). */
  #arm(waiter: Waiter): void {
    if (this.#holds > 0) return;
    const now = performance.now();
    const counted = now - waiter.since - (this.#heldTime(now) - waiter.heldAtEntry);
    waiter.timer = setTimeout(() => this.#timeOut(waiter), Math.max(0, this.timeoutMs - counted));
    waiter.timer.unref();
  }

  #disarm(waiter: Waiter): void {
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.timer = undefined;
  }

  /** Admits waiters from the head of the queue, in order, for as long as the head may proceed. */
  #admitWaiting(): void {
    const queue = this.#queue;
    while (queue.length > 0) {
      const head = queue[0] as Waiter;
      if (head.exclusive) {
        if (this.#shared > 0 || this.#exclusive > 0) return;
        queue.shift();
        this.#exclusive++;
        this.#settle(head, false, true);
        // Nothing may join an exclusive entry.
        return;
      }
      if (this.#exclusive > 0) return;
      queue.shift();
      this.#shared++;
      this.#settle(head, false, true);
    }
  }

  #timeOut(waiter: Waiter): void {
    waiter.timer = undefined;
    const index = this.#queue.indexOf(waiter);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    if (waiter.exclusive) this.#exclusive++;
    else this.#shared++;
    this.#settle(waiter, true, true);
    if (this.#queue.length > 0) this.#admitWaiting();
  }

  #settle(waiter: Waiter, timedOut: boolean, admitted: boolean): void {
    this.#disarm(waiter);
    waiter.resolve({ waitedMs: performance.now() - waiter.since, timedOut, admitted });
  }
}
