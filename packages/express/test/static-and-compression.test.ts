/** express.static, res.sendFile and compression() registered after ramflow, through the shared static suite. */
import { join } from 'node:path';
import { defineStaticConformanceSuite, serveOnLoopback } from '@ramflow/core/testing';
import compression from 'compression';
import express from 'express';
import { ramflow } from '../src/index.js';

defineStaticConformanceSuite({
  name: 'express with express.static, res.sendFile and compression()',
  async start({ withRamflow, root }) {
    const app = express();
    const middleware = withRamflow ? ramflow({ memoryBackend: 'process' }) : undefined;
    if (middleware) app.use(middleware);
    app.use(compression());
    app.get('/sent', (_req, res) => res.sendFile(join(root, 'index.html')));
    app.use(express.static(root));
    return serveOnLoopback(app, async () => {
      await middleware?.ramflow.close();
    });
  },
});
