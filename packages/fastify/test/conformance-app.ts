import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConformanceRoute, ConformanceServer, ConformanceServerOptions } from '@ramflow/core/testing';
import {
  allocateKnownStrings,
  fileStream,
  fixtures,
  largeBody,
  STREAM_CHUNK_DELAY_MS,
} from '@ramflow/core/testing';
import type fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { ramflowToolbar } from '../src/index.js';

export type FastifyFactory = typeof fastify;

async function* streamedChunks(): AsyncGenerator<string> {
  for (const chunk of fixtures.stream.chunks) {
    yield chunk;
    await delay(STREAM_CHUNK_DELAY_MS);
  }
}

/** What `fixtures.probes` keeps alive: instances of a class of that name, in a variable named `probes`. */
class SnapshotProbe {
  constructor(readonly index: number) {}
}
const probes: SnapshotProbe[] = [];

/** The conformance fixture routes, added to a Fastify app (4 or 5). */
export function installFixtureRoutes(app: FastifyInstance): void {
  app.get(fixtures.page.path, (_request, reply) => {
    reply.type(fixtures.page.contentType).send(fixtures.page.body);
  });
  app.get(fixtures.fragment.path, (_request, reply) => {
    reply.type(fixtures.fragment.contentType).send(fixtures.fragment.body);
  });
  app.get(fixtures.json.path, (_request, reply) => {
    reply.type(fixtures.json.contentType).send(fixtures.json.body);
  });
  app.get(fixtures.allocation.path, (_request, reply) => {
    reply.type(fixtures.allocation.contentType).send(String(allocateKnownStrings().length));
  });
  app.get(fixtures.text.path, (_request, reply) => {
    reply.type(fixtures.text.contentType).send(fixtures.text.body);
  });
  app.get(fixtures.gzip.path, (_request, reply) => {
    reply.header('content-encoding', 'gzip').type(fixtures.gzip.contentType).send(fixtures.gzip.body);
  });
  app.get(fixtures.file.path, (_request, reply) => {
    reply
      .type(fixtures.file.contentType)
      .header('content-length', fixtures.file.length)
      .header('etag', fixtures.file.etag)
      .header('last-modified', fixtures.file.lastModified)
      .send(fileStream());
  });
  app.get(fixtures.stream.path, (_request, reply) => {
    reply.type(fixtures.stream.contentType).send(Readable.from(streamedChunks()));
  });
  app.get(fixtures.empty.path, (_request, reply) => {
    reply.code(204).send();
  });
  // Fastify answers conditional requests only through a plugin (@fastify/etag): the fixture does it by hand.
  app.get(fixtures.etag.path, (request, reply) => {
    reply.header('etag', fixtures.etag.etag);
    if (request.headers['if-none-match'] === fixtures.etag.etag) reply.code(304).send();
    else reply.type(fixtures.etag.contentType).send(fixtures.etag.body);
  });
  app.get(fixtures.large.path, (_request, reply) => {
    reply.type(fixtures.large.contentType).send(largeBody());
  });
  app.get(fixtures.probes.path, (_request, reply) => {
    for (let i = 0; i < fixtures.probes.count; i++) probes.push(new SnapshotProbe(i));
    reply.type(fixtures.probes.contentType).send(JSON.stringify({ probes: probes.length }));
  });
  app.get(fixtures.throws.path, async () => {
    throw new Error(fixtures.throws.message);
  });
}

/** A test's own routes (`ConformanceServerOptions.routes`), added to a Fastify app. */
export function installRoutes(app: FastifyInstance, routes: readonly ConformanceRoute[] = []): void {
  for (const route of routes) {
    app.get(route.path, async (_request, reply) => {
      const body = await route.handle();
      reply.type(route.contentType);
      return body;
    });
  }
}

/** Listens on 127.0.0.1:0 and returns the suite's server handle; closing the app also closes ramflow. */
export async function listen(app: FastifyInstance): Promise<ConformanceServer> {
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
}

/** A fresh Fastify app (from the given factory) with ramflow registered first, the fixture routes and the test's own. */
export async function createFastifyConformanceServer(
  factory: FastifyFactory,
  { ramflow: options, trustProxy, routes }: ConformanceServerOptions,
): Promise<ConformanceServer> {
  const app = factory({ trustProxy: trustProxy ?? false });
  if (options !== false) await app.register(ramflowToolbar, options);
  installFixtureRoutes(app);
  installRoutes(app, routes);
  const server = await listen(app);
  return { ...server, ramflow: options === false ? undefined : app.ramflow };
}
