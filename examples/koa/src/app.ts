import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { type RamflowMiddleware, type RamflowOptions, ramflow } from '@ramflow/koa';
import Koa, { type Middleware } from 'koa';
import { renderHomePage } from '../../shared/page.js';
import { buildReport, retainChunk } from '../../shared/scenario.js';

export interface BuildAppOptions {
  /** ramflow's options, or false to run without it. */
  ramflow?: RamflowOptions | false;
}

/** The demo app, with the ramflow instance it runs (for tests and graceful shutdown: `app.ramflow?.close()`). */
export type ExampleApp = Koa & { readonly ramflow: RamflowMiddleware['ramflow'] | undefined };

async function* lines(): AsyncGenerator<string> {
  for (let n = 0; n < 5; n++) {
    if (n > 0) await delay(20);
    yield `line ${n}\n`;
  }
  yield 'done\n';
}

const routes = new Map<string, Middleware>([
  [
    '/',
    (ctx) => {
      ctx.type = 'html';
      ctx.body = renderHomePage('Koa');
    },
  ],
  [
    '/api/report',
    (ctx) => {
      ctx.body = buildReport();
    },
  ],
  [
    '/leak',
    (ctx) => {
      const chunks = retainChunk();
      ctx.body = { retainedChunks: chunks, retainedApproxBytes: chunks * 131_072 * 8 };
    },
  ],
  [
    '/stream',
    (ctx) => {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = Readable.from(lines(), { objectMode: false });
    },
  ],
  [
    '/favicon.ico',
    (ctx) => {
      ctx.status = 204;
    },
  ],
  [
    '/api/ping',
    (ctx) => {
      ctx.body = { ok: true };
    },
  ],
]);

/** The demo app: `/`, `/api/report`, `/leak`, `/stream`. Other paths fall through to later middleware. */
export function buildApp(options: BuildAppOptions = {}): ExampleApp {
  const app = new Koa();
  const middleware = options.ramflow === false ? undefined : ramflow(options.ramflow ?? {});
  if (middleware) app.use(middleware);
  app.use((ctx, next) => {
    const route = ctx.method === 'GET' || ctx.method === 'HEAD' ? routes.get(ctx.path) : undefined;
    return route ? route(ctx, next) : next();
  });
  return Object.assign(app, { ramflow: middleware?.ramflow });
}
