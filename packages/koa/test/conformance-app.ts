import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConformanceRoute, ConformanceServer, ConformanceServerOptions } from '@ramflow/core/testing';
import {
  allocateKnownStrings,
  fileStream,
  fixtures,
  largeBody,
  STREAM_CHUNK_DELAY_MS,
  serveOnLoopback,
} from '@ramflow/core/testing';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { ramflow } from '../src/index.js';

type KoaClass = typeof Koa;

async function* streamChunks(): AsyncGenerator<Buffer> {
  for (const [index, chunk] of fixtures.stream.chunks.entries()) {
    if (index > 0) await delay(STREAM_CHUNK_DELAY_MS);
    yield Buffer.from(chunk);
  }
}

/** What `fixtures.probes` keeps alive: instances of a class of that name, in a variable named `probes`. */
class SnapshotProbe {
  constructor(readonly index: number) {}
}
const probes: SnapshotProbe[] = [];

/** The conformance fixture routes as one Koa middleware (GET and HEAD; anything else falls through). */
export function fixtureRoutes(): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    switch (ctx.path) {
      case fixtures.page.path:
        ctx.type = fixtures.page.contentType;
        ctx.body = fixtures.page.body;
        return;
      case fixtures.fragment.path:
        ctx.type = fixtures.fragment.contentType;
        ctx.body = fixtures.fragment.body;
        return;
      case fixtures.json.path:
        ctx.type = fixtures.json.contentType;
        ctx.body = fixtures.json.body;
        return;
      case fixtures.allocation.path:
        ctx.type = fixtures.allocation.contentType;
        ctx.body = String(allocateKnownStrings().length);
        return;
      case fixtures.text.path:
        ctx.type = fixtures.text.contentType;
        ctx.body = fixtures.text.body;
        return;
      case fixtures.gzip.path:
        ctx.set('Content-Encoding', 'gzip');
        ctx.type = fixtures.gzip.contentType;
        ctx.body = fixtures.gzip.body;
        return;
      case fixtures.file.path:
        ctx.type = fixtures.file.contentType;
        ctx.set('ETag', fixtures.file.etag);
        ctx.set('Last-Modified', fixtures.file.lastModified);
        ctx.body = fileStream();
        ctx.length = fixtures.file.length;
        return;
      case fixtures.stream.path:
        ctx.type = fixtures.stream.contentType;
        ctx.body = Readable.from(streamChunks());
        return;
      case fixtures.empty.path:
        ctx.status = 204;
        return;
      case fixtures.large.path:
        ctx.type = fixtures.large.contentType;
        ctx.body = largeBody();
        return;
      case fixtures.etag.path:
        // `ctx.fresh` only answers for a 2xx or 304 status, and Koa starts every response at 404.
        ctx.status = 200;
        ctx.set('ETag', fixtures.etag.etag);
        ctx.type = fixtures.etag.contentType;
        if (ctx.fresh) {
          ctx.status = 304;
          return;
        }
        ctx.body = fixtures.etag.body;
        return;
      case fixtures.probes.path:
        for (let i = 0; i < fixtures.probes.count; i++) probes.push(new SnapshotProbe(i));
        ctx.type = fixtures.probes.contentType;
        ctx.body = JSON.stringify({ probes: probes.length });
        return;
      case fixtures.throws.path:
        throw new Error(fixtures.throws.message);
      default:
        return next();
    }
  };
}

/** A test's own routes (`ConformanceServerOptions.routes`) as one Koa middleware (GET; anything else falls through). */
export function routeMiddleware(routes: readonly ConformanceRoute[] = []): Middleware {
  return async (ctx, next) => {
    const route = ctx.method === 'GET' ? routes.find((r) => r.path === ctx.path) : undefined;
    if (route === undefined) return next();
    const body = await route.handle();
    ctx.type = route.contentType;
    ctx.body = body;
  };
}

/** Listens on 127.0.0.1:0 and returns the suite's server handle. */
export async function listen(app: Koa, onClose?: () => Promise<void>): Promise<ConformanceServer> {
  // Koa's default error handling answers thrown errors; `silent` keeps it from logging them to stderr.
  app.silent = true;
  return serveOnLoopback(app.callback(), onClose);
}

/** A fresh Koa app (2 or 3) with ramflow first, the fixture routes and the test's own. */
export async function createKoaConformanceServer(
  KoaApp: KoaClass,
  { ramflow: options, trustProxy, routes }: ConformanceServerOptions,
): Promise<ConformanceServer> {
  const app = new KoaApp();
  if (trustProxy) app.proxy = true;
  const middleware = options === false ? undefined : ramflow(options);
  if (middleware) app.use(middleware);
  app.use(fixtureRoutes());
  app.use(routeMiddleware(routes));
  const server = await listen(app, async () => {
    await middleware?.ramflow.close();
  });
  return { ...server, ramflow: middleware?.ramflow };
}
