// A plain CommonJS app: require() of every ramflow package, as Nest 11 and Jest projects do.
'use strict';
const http = require('node:http');
const core = require('@ramflow/core');
const { ramflow } = require('@ramflow/express');
const express = require('express');

const checks = {
  core: typeof core.createRamflow === 'function' && typeof core.formatBytes === 'function',
  express: typeof ramflow === 'function' && typeof require('@ramflow/express').default === 'function',
};
for (const name of ['@ramflow/fastify', '@ramflow/koa', '@ramflow/nest']) {
  try {
    const mod = require(name);
    checks[name] = Object.keys(mod).length > 0;
  } catch (error) {
    checks[name] = `not loadable: ${error.message}`;
  }
}

const app = express();
const middleware = ramflow();
app.use(middleware);
app.get('/', (_req, res) => res.send('<html><body>cjs consumer</body></html>'));
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  http.get({ port, host: '127.0.0.1', path: '/', headers: { accept: 'text/html' } }, (res) => {
    let body = '';
    res.on('data', (chunk) => (body += chunk));
    res.on('end', async () => {
      checks.served = res.headers['x-ramflow-id'] !== undefined && body.includes('<ramflow-toolbar');
      server.close();
      await middleware.ramflow.close();
      process.stdout.write(`${JSON.stringify(checks)}\n`);
    });
  });
});
