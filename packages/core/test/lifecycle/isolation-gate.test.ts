/**
 * The readers–writer gate behind `isolate`: a free fast path, FIFO order, shared entries together, exclusive ones
 * alone, a timeout that lets a waiter through (and says so), and no timer left behind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type GateAdmission, IsolationGate } from '../../src/lifecycle/isolation-gate.js';

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tracks the timers a block of code creates, and which of them are still pending once it is done. */
async function trackTimers<T>(
  body: () => Promise<T>,
): Promise<{ result: T; pending: number; created: number; refed: number }> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const live = new Set<unknown>();
  const all: NodeJS.Timeout[] = [];
  let created = 0;
  // The gate's timers are unref'd: something else must keep the loop alive while a test waits on one.
  const keepAlive = setInterval(() => {}, 1000);
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = realSet(
      (...a: unknown[]) => {
        live.delete(handle);
        callback(...a);
      },
      ms,
      ...args,
    );
    live.add(handle);
    all.push(handle);
    created++;
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    live.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  try {
    const result = await body();
    return { result, pending: live.size, created, refed: all.filter((timer) => timer.hasRef()).length };
  } finally {
    clearInterval(keepAlive);
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

describe('IsolationGate', () => {
  it('lets entries through at once, returning undefined, while no exclusive entry is inside or waiting', () => {
    const gate = new IsolationGate(1000);
    assert.equal(gate.enter(false), undefined);
    assert.equal(gate.enter(false), undefined);
    assert.equal(gate.inside, 2);
    gate.leave(false);
    gate.leave(false);
    assert.equal(gate.enter(true), undefined, 'an exclusive entry into an empty gate proceeds at once');
    gate.leave(true);
    assert.equal(gate.inside, 0);
    assert.equal(gate.waiting, 0);
  });

  it('the fast path is cheap (well under a microsecond per enter/leave)', () => {
    const gate = new IsolationGate(1000);
    const rounds = 1_000_000;
    for (let i = 0; i < 10_000; i++) {
      gate.enter(false);
      gate.leave(false);
    }
    const began = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) {
      if (gate.enter(false) !== undefined) assert.fail('fast path returned a promise');
      gate.leave(false);
    }
    const perRoundNs = Number(process.hrtime.bigint() - began) / rounds;
    // A generous bound (shared CI machines): the measured cost is a few ns.
    assert.ok(perRoundNs < 500, `enter+leave took ${perRoundNs} ns`);
  });

  it('an exclusive entry waits until every shared one has left', async () => {
    const gate = new IsolationGate(10_000);
    assert.equal(gate.enter(false), undefined);
    assert.equal(gate.enter(false), undefined);
    let admitted: GateAdmission | undefined;
    const ticket = gate.enter(true);
    assert.ok(ticket instanceof Promise);
    void ticket.then((outcome) => {
      admitted = outcome;
    });
    gate.leave(false);
    await settle();
    assert.equal(gate.inside, 1);
    assert.equal(gate.waiting, 1, 'one shared entry is still inside');
    gate.leave(false);
    await settle();
    assert.deepEqual({ ...admitted, waitedMs: 0 }, { waitedMs: 0, timedOut: false, admitted: true });
    assert.equal(gate.inside, 1);
    gate.leave(true);
    assert.equal(gate.inside, 0);
  });

  it('admits waiters in arrival order; shared ones behind an exclusive one proceed together', async () => {
    const gate = new IsolationGate(10_000);
    const order: string[] = [];
    const enter = (name: string, exclusive: boolean) => {
      const ticket = gate.enter(exclusive);
      if (ticket === undefined) order.push(name);
      else void ticket.then(() => order.push(name));
    };
    enter('x1', true);
    enter('s1', false); // waits: an exclusive entry is inside
    enter('x2', true);
    enter('s2', false); // waits behind x2 (FIFO), although only an exclusive one is ahead
    enter('s3', false);
    enter('x3', true);
    await settle();
    assert.deepEqual(order, ['x1']);
    assert.equal(gate.waiting, 5);

    gate.leave(true); // x1 done: s1 alone (x2 is exclusive)
    await settle();
    assert.deepEqual(order, ['x1', 's1']);
    gate.leave(false); // s1 done: x2
    await settle();
    assert.deepEqual(order, ['x1', 's1', 'x2']);
    gate.leave(true); // x2 done: s2 and s3 together, x3 waits for both
    await settle();
    assert.deepEqual(order, ['x1', 's1', 'x2', 's2', 's3']);
    assert.equal(gate.inside, 2);
    gate.leave(false);
    await settle();
    assert.equal(order.length, 5, 'x3 waits for the last shared entry');
    gate.leave(false);
    await settle();
    assert.deepEqual(order, ['x1', 's1', 'x2', 's2', 's3', 'x3']);
    gate.leave(true);
    assert.equal(gate.inside, 0);
    assert.equal(gate.waiting, 0);
  });

  it('a shared arrival queues behind a waiting exclusive entry rather than overtaking it', async () => {
    const gate = new IsolationGate(10_000);
    assert.equal(gate.enter(false), undefined);
    const exclusive = gate.enter(true);
    assert.ok(exclusive);
    const shared = gate.enter(false);
    assert.ok(shared, 'a shared entry does not pass a queued exclusive one');
    gate.leave(false);
    const first = await Promise.race([exclusive.then(() => 'exclusive'), shared.then(() => 'shared')]);
    assert.equal(first, 'exclusive');
    gate.leave(true);
    assert.equal((await shared).admitted, true);
    gate.leave(false);
  });

  it('a waiter that waits longer than the timeout proceeds anyway, flagged timedOut', async () => {
    const { result, pending, refed } = await trackTimers(async () => {
      const gate = new IsolationGate(30);
      assert.equal(gate.enter(true), undefined);
      const ticket = gate.enter(true);
      assert.ok(ticket);
      const outcome = await ticket;
      assert.equal(outcome.timedOut, true);
      assert.equal(outcome.admitted, true);
      assert.ok(outcome.waitedMs >= 25, `waited ${outcome.waitedMs} ms`);
      assert.equal(gate.inside, 2, 'it runs alongside the entry that held it back');
      assert.equal(gate.waiting, 0);
      // A later arrival still queues: the timed-out entry counts as exclusive.
      const later = gate.enter(false);
      assert.ok(later);
      gate.leave(true);
      gate.leave(true);
      assert.equal((await later).timedOut, false);
      gate.leave(false);
      return gate;
    });
    assert.equal(result.inside, 0);
    assert.equal(pending, 0);
    assert.equal(refed, 0, 'the timeout never keeps the process alive');
  });

  it('a hold (a heap snapshot blocking the process) stops the timeout clock; the wait resumes after it', async () => {
    const { pending, refed } = await trackTimers(async () => {
      const gate = new IsolationGate(40);
      assert.equal(gate.enter(true), undefined);
      const ticket = gate.enter(false);
      assert.ok(ticket);
      let outcome: GateAdmission | undefined;
      void ticket.then((admission) => {
        outcome = admission;
      });
      const release = gate.hold();
      const nested = gate.hold();
      // Held for three timeouts: the waiter stays queued however long that is.
      await delay(120);
      await settle();
      assert.equal(outcome, undefined, 'no timeout while held');
      assert.equal(gate.waiting, 1);
      release();
      await delay(60);
      await settle();
      assert.equal(outcome, undefined, 'still held by the nested hold');
      nested();
      nested(); // a second call does nothing
      // Released: the rest of its 40 ms runs, then it goes through, flagged.
      const admitted = await ticket;
      assert.equal(admitted.timedOut, true);
      assert.ok(admitted.waitedMs >= 180, `waited ${admitted.waitedMs} ms in all`);
      gate.leave(true);
      gate.leave(false);
      // A waiter that arrives during a hold has no timer until it ends; leave admits it as usual.
      assert.equal(gate.enter(true), undefined);
      const release2 = gate.hold();
      const during = gate.enter(true);
      assert.ok(during);
      gate.leave(true);
      assert.equal((await during).timedOut, false);
      release2();
      gate.leave(true);
      assert.equal(gate.inside, 0);
    });
    assert.equal(pending, 0, 'no timer left behind');
    assert.equal(refed, 0);
  });

  it('withdraw removes a waiter (and lets those behind it proceed); leave after admission still balances', async () => {
    const gate = new IsolationGate(10_000);
    assert.equal(gate.enter(false), undefined);
    const exclusive = gate.enter(true);
    const shared = gate.enter(false);
    assert.ok(exclusive && shared);
    assert.equal(gate.withdraw(exclusive), true);
    assert.deepEqual(
      { ...(await exclusive), waitedMs: 0 },
      { waitedMs: 0, timedOut: false, admitted: false },
    );
    assert.equal((await shared).admitted, true, 'the shared waiter behind it proceeds');
    assert.equal(gate.withdraw(shared), false, 'an admitted entry cannot withdraw');
    gate.leave(false);
    gate.leave(false);
    assert.equal(gate.inside, 0);
    assert.equal(gate.waiting, 0);
  });

  it('leaves no timer behind: each waiter’s timer is cleared when it is admitted or withdrawn', async () => {
    const { pending, created, refed } = await trackTimers(async () => {
      const gate = new IsolationGate(60_000);
      assert.equal(gate.enter(true), undefined);
      const tickets = [gate.enter(true), gate.enter(false), gate.enter(false), gate.enter(true)];
      const withdrawn = tickets[3];
      assert.ok(withdrawn);
      assert.equal(gate.withdraw(withdrawn), true);
      gate.leave(true);
      await tickets[0];
      gate.leave(true);
      await Promise.all([tickets[1], tickets[2]]);
      gate.leave(false);
      gate.leave(false);
      await delay(1);
    });
    assert.equal(created, 4, 'one timer per waiter, none on the fast path');
    assert.equal(pending, 0);
    assert.equal(refed, 0);
  });
});
