/**
 * A custom store that never answers must not hang the dashboard or make ramflow hold more and more pending
 * records; a client that hangs up on a POST is not a ramflow failure.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { MAX_WAITING_CALLS, TimeLimitedStore } from '../../src/store/time-limited-store.js';
import { rawRequest } from '../../src/testing/index.js';
import type { RamflowLogger, RecordSummary, RequestRecord, Store } from '../../src/types.js';
import { type Harness, harness } from '../helpers/node-harness.js';

/** A store whose every call stays pending forever, counting the calls. */
function silentStore(): Store & { calls: number } {
  const store = {
    calls: 0,
    add(): Promise<void> {
      store.calls++;
      return new Promise(() => {});
    },
    get(): Promise<RequestRecord | undefined> {
      store.calls++;
      return new Promise(() => {});
    },
    list(): Promise<RecordSummary[]> {
      store.calls++;
      return new Promise(() => {});
    },
    clear(): Promise<void> {
      return new Promise(() => {});
    },
  };
  return store;
}

const open: Harness[] = [];
// ramflow's time limits never keep a process alive (their timers are unref'd): this test's process stays up.
const keepAlive = setInterval(() => {}, 1000);
after(async () => {
  clearInterval(keepAlive);
  for (const h of open) await h.close();
});

describe('a store that never answers', () => {
  it('each call fails after the time limit, and calls beyond the bound fail at once', async () => {
    const inner = silentStore();
    const store = new TimeLimitedStore(inner, 50);
    await assert.rejects(Promise.resolve(store.list()), /did not answer list\(\) within 0.05 s/);
    for (let i = 1; i < MAX_WAITING_CALLS; i++) void Promise.resolve(store.get('x')).catch(() => {});
    assert.equal(inner.calls, MAX_WAITING_CALLS);
    await assert.rejects(Promise.resolve(store.get('y')), /still unanswered; get\(\) was not made/);
    assert.equal(inner.calls, MAX_WAITING_CALLS, 'the store was not called again');
  });

  it('answers and synchronous stores pass through untouched', async () => {
    const records: RequestRecord[] = [];
    const store = new TimeLimitedStore({
      add: (record) => {
        records.push(record);
      },
      get: async () => undefined,
      list: () => [],
      clear: () => {},
    });
    assert.deepEqual(store.list(), []);
    assert.equal(await store.get('id'), undefined);
  });

  it('the dashboard answers 503 saying why instead of hanging, and pending records stay bounded', async () => {
    const errors: string[] = [];
    const logger: RamflowLogger = { info() {}, warn() {}, error: (m) => errors.push(m) };
    const store = silentStore();
    const h = await harness({ store, logger, memoryBackend: 'process' });
    open.push(h);
    for (let i = 0; i < MAX_WAITING_CALLS + 40; i++) await rawRequest(h.url, `/r${i}`);
    const dashboard = await rawRequest(h.url, '/__ramflow/api/requests');
    assert.equal(dashboard.status, 503);
    assert.match(
      dashboard.body.toString(),
      /the store (did not answer .* within 5 s|has \d+ calls still unanswered)/,
    );
    assert.ok(store.calls <= MAX_WAITING_CALLS, `${store.calls} calls made to a store that never answered`);
    assert.ok(
      errors.some((m) => /could not store a request record: .*(did not answer|still unanswered)/.test(m)),
      errors.join('\n'),
    );
  });
});

describe('a client that hangs up on a POST', () => {
  it('is not logged as a dashboard failure', async () => {
    const errors: string[] = [];
    const h = await harness({ logger: { info() {}, warn() {}, error: (m) => errors.push(m) } });
    open.push(h);
    const { port } = new URL(h.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(
          `POST /__ramflow/api/process/audit HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\n`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    // The server has seen the hang-up once a later request is answered.
    assert.equal((await rawRequest(h.url, '/__ramflow/api/backend')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      errors.filter((m) => m.includes('dashboard')),
      [],
    );
  });
});
