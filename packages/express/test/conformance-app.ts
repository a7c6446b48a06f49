import type { ConformanceServer, ConformanceServerOptions } from '@ramflow/core/testing';
import {
  allocateKnownStrings,
  fixtures,
  largeBody,
  STREAM_CHUNK_DELAY_MS,
  serveOnLoopback,
} from '@ramflow/core/testing';
import type { Express } from 'express';
import { ramflow } from '../src/index.js';

type ExpressFactory = () => Express;

/** The conformance fixture routes, added to an Express app (4 or 5). */
export function installFixtureRoutes(app: Express): void {
  app.get(fixtures.page.path, (_req, res) => {
    res.type(fixtures.page.contentType).send(fixtures.page.body);
  });
  app.get(fixtures.fragment.path, (_req, res) => {
    res.type(fixtures.fragment.contentType).send(fixtures.fragment.body);
  });
  app.get(fixtures.json.path, (_req, res) => {
    res.type(fixtures.json.contentType).send(fixtures.json.body);
  });
  app.get(fixtures.allocation.path, (_req, res) => {
    res.type(fixtures.allocation.contentType).send(String(allocateKnownStrings().length));
  });
  app.get(fixtures.text.path, (_req, res) => {
    res.type(fixtures.text.contentType).send(fixtures.text.body);
  });
  app.get(fixtures.gzip.path, (_req, res) => {
    res.set('content-encoding', 'gzip').type(fixtures.gzip.contentType).send(fixtures.gzip.body);
  });
  app.get(fixtures.stream.path, (_req, res) => {
    res.type(fixtures.stream.contentType);
    const chunks = [...fixtures.stream.chunks];
    const next = () => {
      const chunk = chunks.shift();
      if (chunk === undefined) return res.end();
      res.write(chunk);
      setTimeout(next, STREAM_CHUNK_DELAY_MS);
    };
    next();
  });
  app.get(fixtures.empty.path, (_req, res) => {
    res.status(204).end();
  });
  app.get(fixtures.etag.path, (_req, res) => {
    res.set('etag', fixtures.etag.etag).type(fixtures.etag.contentType).send(fixtures.etag.body);
  });
  app.get(fixtures.large.path, (_req, res) => {
    res.type(fixtures.large.contentType).send(largeBody());
  });
  app.get(fixtures.throws.path, () => {
    throw new Error(fixtures.throws.message);
  });
}

/** Listens on 127.0.0.1:0 and returns the suite's server handle. */
export async function listen(app: Express, onClose?: () => Promise<void>): Promise<ConformanceServer> {
  // Error pages without stack traces: a stack would differ by the middleware frames on it, with or without ramflow.
  app.set('env', 'production');
  return serveOnLoopback(app, onClose);
}

/** A fresh Express app (from the given factory) with ramflow first and the fixture routes. */
export async function createExpressConformanceServer(
  express: ExpressFactory,
  { ramflow: options, trustProxy }: ConformanceServerOptions,
): Promise<ConformanceServer> {
  const app = express();
  if (trustProxy) app.set('trust proxy', true);
  const middleware = options === false ? undefined : ramflow(options);
  if (middleware) app.use(middleware);
  installFixtureRoutes(app);
  return listen(app, async () => {
    await middleware?.ramflow.close();
  });
}
