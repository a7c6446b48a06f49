import {
  type DynamicModule,
  type FactoryProvider,
  Inject,
  Logger,
  type ModuleMetadata,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type Ramflow, RamflowError, type RamflowLogger, type RamflowOptions } from '@ramflow/core';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';

export type { RamflowOptions, RequestRecord, RequestSession } from '@ramflow/core';

/** Injection token of the options `RamflowModule` was given (`RamflowOptions | undefined`). */
export const RAMFLOW_OPTIONS: unique symbol = Symbol('RAMFLOW_OPTIONS');

/** `RamflowModule.forRootAsync`: options from a factory, with the providers it needs. */
export interface RamflowModuleAsyncOptions {
  /** Modules that export the providers `inject` names. */
  imports?: ModuleMetadata['imports'];
  /** Returns ramflow's options (or `undefined` for the defaults); may be async. */
  useFactory: FactoryProvider<RamflowOptions | undefined>['useFactory'];
  /** Providers handed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
}

/** ramflow's log lines go through Nest's logger, so `logger: false`, `app.useLogger()` and log levels apply. */
function nestLogger(): RamflowLogger {
  const logger = new Logger('ramflow');
  return {
    info: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}

function withNestLogger(options: RamflowOptions | undefined): RamflowOptions | undefined {
  if (options === undefined) return { logger: nestLogger() };
  // Anything but a plain object goes to core untouched, so its validation error is the one the user sees.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options;
  return options.logger === undefined ? { ...options, logger: nestLogger() } : options;
}

/**
 * The adapter of the platform in use, loaded only then: `@ramflow/express` and `@ramflow/fastify` are optional
 * peers, so an app installs just the one for its platform. (The CommonJS build `require`s it; see tsdown.config.ts.)
 */
async function loadAdapter<T>(name: string, platform: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : '';
    // Only the adapter itself missing; a missing dependency of an installed adapter is rethrown as it is.
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`)) {
      throw new RamflowError(
        'RAMFLOW_UNSUPPORTED_PLATFORM',
        `this Nest app runs on the ${platform} platform, which needs the ${name} package: npm install ${name}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * ramflow for NestJS 11 and 12, on the Express and the Fastify platforms: import
 * `RamflowModule.forRoot(options)` (or `forRootAsync`) in the root module. It hands the request lifecycle to
 * `@ramflow/express` or `@ramflow/fastify`, whichever platform the app runs on (the app installs that one; without
 * it `init` fails saying so), and closes ramflow with the app.
 * `app.get(RamflowModule).ramflow` is the ramflow instance (store, `flush`) once the app is initialized.
 */
export class RamflowModule implements NestModule, OnApplicationShutdown {
  readonly #options: RamflowOptions | undefined;
  readonly #adapterHost: HttpAdapterHost;
  #ramflow: Ramflow | undefined;

  constructor(options: RamflowOptions | undefined, adapterHost: HttpAdapterHost) {
    this.#options = options;
    this.#adapterHost = adapterHost;
  }

  /** The ramflow instance the platform adapter drives; undefined until the app is initialized. */
  get ramflow(): Ramflow | undefined {
    return this.#ramflow;
  }

  /** ramflow with these options (checked when the app initializes; a bad one makes `init`/`listen` throw). */
  static forRoot(options?: RamflowOptions): DynamicModule {
    return RamflowModule.forRootAsync({ useFactory: () => options });
  }

  /** ramflow with options from a factory (e.g. read from a config service). */
  static forRootAsync(options: RamflowModuleAsyncOptions): DynamicModule {
    return {
      module: RamflowModule,
      imports: options.imports ?? [],
      providers: [{ provide: RAMFLOW_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      exports: [RAMFLOW_OPTIONS],
    };
  }

  /**
   * Registers ramflow on the platform's own instance, outside Nest's routing (so a global prefix or route
   * exclusions never hide `/__ramflow` or unprofile a page). Why in `configure`: `NestApplication.init` calls it
   * before the router registers any route, and Express dispatches middleware and routes in registration order,
   * so `onModuleInit`, which runs after the router, would be too late (Nest's body parsers, registered earlier in
   * `init`, still run first). It also runs inside `init`, when the HTTP adapter is known even for apps from
   * `@nestjs/testing`, whose providers are created before it is. On Fastify the plugin must be registered before
   * the instance is ready; Nest's `consumer` middleware would not do, as it runs through middie on raw req/res
   * rather than Fastify's hooks.
   */
  async configure(): Promise<void> {
    const adapter = this.#adapterHost.httpAdapter;
    const type = adapter.getType();
    const options = withNestLogger(this.#options);
    if (type === 'express') {
      const { ramflow } = await loadAdapter('@ramflow/express', 'Express', () => import('@ramflow/express'));
      const middleware = ramflow(options);
      this.#ramflow = middleware.ramflow;
      adapter.getInstance<Express>().use(middleware);
    } else if (type === 'fastify') {
      const { ramflowToolbar } = await loadAdapter(
        '@ramflow/fastify',
        'Fastify',
        () => import('@ramflow/fastify'),
      );
      const fastify = adapter.getInstance<FastifyInstance>();
      // Awaited so that a bad option fails `init` here, and so that the instance is decorated with `ramflow`.
      await fastify.register(ramflowToolbar, options ?? {});
      this.#ramflow = fastify.ramflow;
    } else {
      throw new RamflowError(
        'RAMFLOW_UNSUPPORTED_PLATFORM',
        `the "${type}" HTTP platform is not supported; use @nestjs/platform-express or @nestjs/platform-fastify.`,
      );
    }
  }

  /** After the HTTP server has closed (`app.close()`), so no request is still being profiled. */
  async onApplicationShutdown(): Promise<void> {
    await this.#ramflow?.close();
  }
}

// Explicit tokens rather than `emitDecoratorMetadata`, which tsx/esbuild do not emit; applied as calls because
// standard (TC39) decorators, what a toolchain without `experimentalDecorators` compiles, cannot decorate
// constructor parameters.
Inject(RAMFLOW_OPTIONS)(RamflowModule, undefined, 0);
Inject(HttpAdapterHost)(RamflowModule, undefined, 1);
