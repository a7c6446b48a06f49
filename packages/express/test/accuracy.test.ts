import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '@ramflow/core/testing';
import express from 'express';
import { ramflow } from '../src/index.js';

/**
 * 4,000 distinct flat one-byte strings of 1,000 characters: V8 stores each as a SeqOneByteString of
 * align8(16 + 1000) = 1,016 bytes, so the payload is 4,064,000 bytes (plus a 32 KB array of pointers).
 */
const STRINGS = 4000;
const LENGTH = 1000;
const PAYLOAD = STRINGS * 1016;

function allocateStrings(): string[] {
  const source = Buffer.alloc(LENGTH, 0x78) as Buffer & { latin1Slice(start: number, end: number): string };
  const kept = new Array<string>(STRINGS);
  for (let i = 0; i < STRINGS; i++) {
    source.writeUInt32LE(i, 0);
    kept[i] = source.latin1Slice(0, LENGTH);
  }
  return kept;
}

describe('allocation accuracy through Express', () => {
  let baseUrl: string;
  let close: () => Promise<void>;
  before(async () => {
    const app = express();
    const middleware = ramflow();
    app.use(middleware);
    app.get('/strings', (_req, res) => {
      const kept = allocateStrings();
      res.type('text/plain').send(String(kept.length));
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await middleware.ramflow.close();
    };
  });
  after(() => close());

  it('reports allocatedBytes within ±20% of a request that builds 4 MB of strings in a local array', async () => {
    await rawRequest(baseUrl, '/strings'); // warm-up: first-call compilation is not the request's allocation
    for (let run = 0; run < 3; run++) {
      const res = await rawRequest(baseUrl, '/strings');
      const record = JSON.parse(
        (await rawRequest(baseUrl, `/__ramflow/api/requests/${res.headers['x-ramflow-id']}`)).body.toString(),
      );
      const allocated = record.memory.allocatedBytes;
      assert.equal(
        typeof allocated,
        'number',
        `allocation unavailable: ${record.memory.allocatedUnavailable}`,
      );
      assert.ok(
        Math.abs(allocated - PAYLOAD) <= PAYLOAD * 0.2,
        `run ${run}: allocated ${allocated} vs payload ${PAYLOAD}`,
      );
    }
  });
});

describe('CommonJS build', () => {
  it('require("@ramflow/express") serves the toolbar from the CJS bundle', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('@ramflow/express') as typeof import('../src/index.js');
    assert.equal(typeof cjs.ramflow, 'function');
    const app = express();
    const middleware = cjs.ramflow();
    app.use(middleware);
    app.get('/', (_req, res) => {
      res.send('<html><body>cjs</body></html>');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const page = await rawRequest(url, '/', { headers: { accept: 'text/html' } });
      assert.match(page.body.toString(), /<ramflow-toolbar /);
      const css = await rawRequest(url, '/__ramflow/assets/toolbar.css');
      assert.equal(css.status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await middleware.ramflow.close();
    }
  });
});
