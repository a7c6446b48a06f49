import type { ConformanceRoute, ConformanceServer, ConformanceServerOptions } from '@ramflow/core/testing';
import {
  allocateKnownStrings,
  fileStream,
  fixtures,
  largeBody,
  STREAM_CHUNK_DELAY_MS,
  serveOnLoopback,
} from '@ramflow/core/testing';
import type { Express } from 'express';
import { ramflow } from '../src/index.js';

type ExpressFactory = () => Express;

/** What `fixtures.probes` keeps alive: instances of a class of that name, in a variable named `probes`. */
class SnapshotProbe {
  constructor(readonly index: number) {}
}
const probes: SnapshotProbe[] = [];

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
  app.get(fixtures.file.path, (_req, res) => {
    res.type(fixtures.file.contentType);
    res.set({
      'content-length': String(fixtures.file.length),
      etag: fixtures.file.etag,
      'last-modified': fixtures.file.lastModified,
    });
    fileStream().pipe(res);
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
  app.get(fixtures.probes.path, (_req, res) => {
    for (let i = 0; i < fixtures.probes.count; i++) probes.push(new SnapshotProbe(i));
    res.type(fixtures.probes.contentType).send(JSON.stringify({ probes: probes.length }));
  });
  app.get(fixtures.throws.path, () => {
    throw new Error(fixtures.throws.message);
  });
}

/** A test's own routes (`ConformanceServerOptions.routes`), added to an Express app. */
export function installRoutes(app: Express, routes: readonly ConformanceRoute[] = []): void {
  for (const route of routes) {
    app.get(route.path, (_req, res, next) => {
      route.handle().then((body) => {
        res.type(route.contentType).send(body);
      }, next);
    });
  }
}

/** Listens on 127.0.0.1:0 and returns the suite's server handle. */
export async function listen(app: Express, onClose?: () => Promise<void>): Promise<ConformanceServer> {
  // Error pages without stack traces: a stack would differ by the middleware frames on it, with or without ramflow.
  app.set('env', 'production');
  return serveOnLoopback(app, onClose);
}

/** A fresh Express app (from the given factory) with ramflow first, the fixture routes and the test's own. */
export async function createExpressConformanceServer(
  express: ExpressFactory,
  { ramflow: options, trustProxy, routes }: ConformanceServerOptions,
): Promise<ConformanceServer> {
  const app = express();
  if (trustProxy) app.set('trust proxy', true);
  const middleware = options === false ? undefined : ramflow(options);
  if (middleware) app.use(middleware);
  installFixtureRoutes(app);
  installRoutes(app, routes);
  const server = await listen(app, async () => {
    await middleware?.ramflow.close();
  });
  return { ...server, ramflow: middleware?.ramflow };
}
