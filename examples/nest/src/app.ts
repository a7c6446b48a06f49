import 'reflect-metadata';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Controller,
  type DynamicModule,
  Get,
  Header,
  HttpCode,
  type INestApplication,
  type LoggerService,
  type LogLevel,
  type ModuleMetadata,
  StreamableFile,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { RamflowModule, type RamflowOptions } from '@ramflow/nest';
import { renderHomePage } from '../../shared/page.js';
import { buildReport, retainChunk } from '../../shared/scenario.js';

export interface BuildAppOptions {
  /** ramflow's options, or false to run without it. */
  ramflow?: RamflowOptions | false;
  /** Which Nest HTTP platform serves the app. */
  platform?: 'express' | 'fastify';
  /** Trust X-Forwarded-For (Express `trust proxy`, Fastify `trustProxy`), as behind a reverse proxy. */
  trustProxy?: boolean;
  /** More modules for the app (the tests add the conformance fixture routes this way). */
  imports?: ModuleMetadata['imports'];
  /** Nest's logger (`false` silences it). */
  logger?: LoggerService | LogLevel[] | false;
}

async function* lines(): AsyncGenerator<Buffer> {
  for (let n = 0; n < 5; n++) {
    yield Buffer.from(`line ${n}\n`);
    await delay(20);
  }
  yield Buffer.from('done\n');
}

/** The demo routes: `/`, `/api/report`, `/leak`, `/stream`, `/api/ping`. */
class AppController {
  home(): string {
    return renderHomePage('NestJS');
  }
  report(): ReturnType<typeof buildReport> {
    return buildReport();
  }
  leak(): { retainedChunks: number; retainedApproxBytes: number } {
    const chunks = retainChunk();
    return { retainedChunks: chunks, retainedApproxBytes: chunks * 131_072 * 8 };
  }
  stream(): StreamableFile {
    return new StreamableFile(Readable.from(lines(), { objectMode: false }), {
      type: 'text/plain; charset=utf-8',
    });
  }
  ping(): { ok: true } {
    return { ok: true };
  }
  favicon(): void {}
}

// Nest's decorators are legacy (`experimentalDecorators`) ones. `npm run demo` and the tests run this file through
// tsx from the repo root, whose tsconfig is not this example's, so esbuild would compile `@Get()` syntax as a
// standard decorator, which Nest's are not: they are applied here as the calls TypeScript would emit.
function route(key: keyof AppController, ...decorators: MethodDecorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(AppController.prototype, key);
  Reflect.decorate(decorators, AppController.prototype, key, descriptor);
}
Controller()(AppController);
route('home', Get('/'), Header('Content-Type', 'text/html; charset=utf-8'));
route('report', Get('/api/report'));
route('leak', Get('/leak'));
route('stream', Get('/stream'));
route('ping', Get('/api/ping'));
route('favicon', Get('/favicon.ico'), HttpCode(204));

/** The root module; its imports depend on the options, so it is used as a dynamic module. */
class AppModule {}

function appModule({ ramflow, imports = [] }: BuildAppOptions): DynamicModule {
  return {
    module: AppModule,
    imports: [...(ramflow === false ? [] : [RamflowModule.forRoot(ramflow)]), ...imports],
    controllers: [AppController],
  };
}

/** The demo app on the chosen platform, initialized (ramflow registered, routes mapped) but not listening. */
export async function buildApp(options: BuildAppOptions = {}): Promise<INestApplication> {
  const { platform = 'express', trustProxy = false } = options;
  const module = appModule(options);
  const nestOptions = options.logger === undefined ? {} : { logger: options.logger };
  let app: INestApplication;
  if (platform === 'fastify') {
    app = await NestFactory.create(module, new FastifyAdapter({ trustProxy }), nestOptions);
  } else {
    const express = await NestFactory.create<NestExpressApplication>(
      module,
      new ExpressAdapter(),
      nestOptions,
    );
    if (trustProxy) express.set('trust proxy', true);
    app = express;
  }
  return app.init();
}
