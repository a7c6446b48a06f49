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
 */
export class IsolationGate {
  readonly timeoutMs: number;
  #shared = 0;
  #exclusive = 0;
  readonly #queue: Waiter[] = [];

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
    const waiter: Waiter = { exclusive, since: performance.now(), ticket, resolve, timer: undefined };
    waiter.timer = setTimeout(() => this.#timeOut(waiter), this.timeoutMs);
    waiter.timer.unref();
    this.#queue.push(waiter);
    return ticket;
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
    if (waiter.timer !== undefined) {
      clearTimeout(waiter.timer);
      waiter.timer = undefined;
    }
    waiter.resolve({ waitedMs: performance.now() - waiter.since, timedOut, admitted });
  }
}
