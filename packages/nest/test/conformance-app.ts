import 'reflect-metadata';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  type INestApplication,
  type LoggerService,
  type ModuleMetadata,
  Res,
  StreamableFile,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ConformanceRoute, ConformanceServer, ConformanceServerOptions } from '@ramflow/core/testing';
import {
  allocateKnownStrings,
  fileStream,
  fixtures,
  largeBody,
  STREAM_CHUNK_DELAY_MS,
} from '@ramflow/core/testing';
import { RamflowModule } from '../src/index.js';

export type Platform = 'express' | 'fastify';

/** What the handlers below need of a native response: Express's `Response` and Fastify's `FastifyReply` alike. */
interface NativeResponse {
  status(code: number): NativeResponse;
  header(name: string, value: string): NativeResponse;
  type(contentType: string): NativeResponse;
  send(body?: string | Buffer): unknown;
}

/**
 * Applies legacy decorators by hand. The tests run through tsx from the repo root, whose tsconfig is not the
 * package's: esbuild then compiles `@decorator` syntax as standard (TC39) decorators, which Nest's are not.
 */
export function decorate(
  target: Type,
  members: Record<string, Array<MethodDecorator | ((target: object, key: string) => void)>>,
  ...classDecorators: ClassDecorator[]
): void {
  for (const [key, decorators] of Object.entries(members)) {
    const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key);
    Reflect.decorate(decorators as MethodDecorator[], target.prototype, key, descriptor);
  }
  Reflect.decorate(classDecorators, target);
}

/** A parameter decorator for parameter `index` of a method, in the shape `decorate` takes. */
export function param(index: number, decorator: ParameterDecorator): (target: object, key: string) => void {
  return (target, key) => decorator(target, key, index);
}

async function* streamedChunks(): AsyncGenerator<Buffer> {
  for (const chunk of fixtures.stream.chunks) {
    yield Buffer.from(chunk);
    await delay(STREAM_CHUNK_DELAY_MS);
  }
}

/** What `fixtures.probes` keeps alive: instances of a class of that name, in a variable named `probes`. */
class SnapshotProbe {
  constructor(readonly index: number) {}
}
const probes: SnapshotProbe[] = [];

/**
 * The conformance fixture routes as a Nest controller, written as a Nest app would: return values with `@Header`,
 * `StreamableFile` for streams, `@Res()` where a route needs the native response (a Buffer body, a 304).
 */
export class FixtureController {
  page(): string {
    return fixtures.page.body;
  }
  fragment(): string {
    return fixtures.fragment.body;
  }
  json(): string {
    return fixtures.json.body;
  }
  text(): string {
    return fixtures.text.body;
  }
  allocation(): string {
    return String(allocateKnownStrings().length);
  }
  // Nest's Express adapter would serialize a returned Buffer as JSON: the pre-compressed bytes go out natively.
  gzip(res: NativeResponse): void {
    res.header('content-encoding', 'gzip').type(fixtures.gzip.contentType).send(fixtures.gzip.body);
  }
  large(res: NativeResponse): void {
    res.type(fixtures.large.contentType).send(largeBody());
  }
  stream(): StreamableFile {
    return new StreamableFile(Readable.from(streamedChunks(), { objectMode: false }), {
      type: fixtures.stream.contentType,
    });
  }
  file(res: NativeResponse): StreamableFile {
    res.header('etag', fixtures.file.etag).header('last-modified', fixtures.file.lastModified);
    return new StreamableFile(fileStream(), {
      type: fixtures.file.contentType,
      length: fixtures.file.length,
    });
  }
  empty(): void {}
  // Express answers conditional requests by itself, Fastify only through a plugin: the route does it by hand.
  etag(ifNoneMatch: string | undefined, res: NativeResponse): void {
    res.header('etag', fixtures.etag.etag);
    if (ifNoneMatch === fixtures.etag.etag) res.status(304).send();
    else res.type(fixtures.etag.contentType).send(fixtures.etag.body);
  }
  probes(): string {
    for (let i = 0; i < fixtures.probes.count; i++) probes.push(new SnapshotProbe(i));
    return JSON.stringify({ probes: probes.length });
  }
  throws(): never {
    throw new Error(fixtures.throws.message);
  }
}
decorate(
  FixtureController,
  {
    page: [Get(fixtures.page.path), Header('Content-Type', fixtures.page.contentType)],
    fragment: [Get(fixtures.fragment.path), Header('Content-Type', fixtures.fragment.contentType)],
    json: [Get(fixtures.json.path), Header('Content-Type', fixtures.json.contentType)],
    text: [Get(fixtures.text.path), Header('Content-Type', fixtures.text.contentType)],
    allocation: [Get(fixtures.allocation.path), Header('Content-Type', fixtures.allocation.contentType)],
    gzip: [Get(fixtures.gzip.path), param(0, Res())],
    large: [Get(fixtures.large.path), param(0, Res())],
    stream: [Get(fixtures.stream.path)],
    file: [Get(fixtures.file.path), param(0, Res({ passthrough: true }))],
    empty: [Get(fixtures.empty.path), HttpCode(204)],
    etag: [Get(fixtures.etag.path), param(0, Headers('if-none-match')), param(1, Res())],
    probes: [Get(fixtures.probes.path), Header('Content-Type', fixtures.probes.contentType)],
    throws: [Get(fixtures.throws.path)],
  },
  Controller(),
);

/** A controller serving a test's own routes (`ConformanceServerOptions.routes`), each returning its body. */
export function routesController(routes: readonly ConformanceRoute[]): Type {
  class ConformanceRoutes {}
  const members: Record<string, MethodDecorator[]> = {};
  for (const [index, route] of routes.entries()) {
    const key = `route${index}`;
    Object.defineProperty(ConformanceRoutes.prototype, key, { value: () => route.handle(), writable: true });
    members[key] = [Get(route.path), Header('Content-Type', route.contentType)];
  }
  decorate(ConformanceRoutes, members, Controller());
  return ConformanceRoutes;
}

/** A Nest app on the given platform: `imports` plus `controllers`, trust proxy when asked. Not initialized. */
export async function createNestApp(
  platform: Platform,
  { imports = [], controllers = [], trustProxy = false, logger = false }: NestAppOptions,
): Promise<INestApplication> {
  class TestModule {}
  const module = { module: TestModule, imports, controllers };
  // abortOnError: false makes a failing bootstrap reject instead of exiting the process.
  const options = { logger, abortOnError: false };
  if (platform === 'fastify') {
    return NestFactory.create(module, new FastifyAdapter({ trustProxy }), options);
  }
  const app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), options);
  if (trustProxy) app.set('trust proxy', true);
  return app;
}

export interface NestAppOptions {
  imports?: ModuleMetadata['imports'];
  controllers?: Type[];
  trustProxy?: boolean;
  /** Nest's logger; off by default. */
  logger?: LoggerService | false;
}

/** Listens on 127.0.0.1:0 and returns the suite's server handle; `close` is `app.close()`. */
export async function listen(app: INestApplication): Promise<ConformanceServer> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * The suite's app: `RamflowModule.forRoot(options)` (none for `ramflow: false`), the fixture routes and the test's
 * own.
 */
export async function createNestConformanceServer(
  platform: Platform,
  { ramflow: options, trustProxy = false, routes = [] }: ConformanceServerOptions,
): Promise<ConformanceServer> {
  const app = await createNestApp(platform, {
    imports: options === false ? [] : [RamflowModule.forRoot(options)],
    controllers: [FixtureController, routesController(routes)],
    trustProxy,
  });
  const server = await listen(app);
  return { ...server, ramflow: options === false ? undefined : app.get(RamflowModule).ramflow };
}
