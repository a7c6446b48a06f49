/** koa-static and koa-compress registered after ramflow, through the shared static suite. */
import { defineStaticConformanceSuite, serveOnLoopback } from '@ramflow/core/testing';
import Koa from 'koa';
import compress from 'koa-compress';
import serve from 'koa-static';
import { ramflow } from '../src/index.js';

defineStaticConformanceSuite({
  name: 'koa with koa-static and koa-compress',
  // koa-static has no send-file route of its own here.
  pagePaths: ['/', '/index.html'],
  async start({ withRamflow, root }) {
    const app = new Koa();
    const middleware = withRamflow ? ramflow({ memoryBackend: 'process' }) : undefined;
    if (middleware) app.use(middleware);
    app.use(compress());
    app.use(serve(root));
    return serveOnLoopback(app.callback(), async () => {
      await middleware?.ramflow.close();
    });
  },
});
