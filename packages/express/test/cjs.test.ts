import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { rawRequest } from '@ramflow/core/testing';
import express from 'express';

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
