// A CommonJS Nest 11 app using the packed @ramflow packages, as a Nest 11 user would: `node app.cjs express|fastify`.
// Listens on 127.0.0.1, port 0 (or PORT), and prints its URL; closes on SIGTERM/SIGINT. Driven by ../nest11.test.ts.
'use strict';
require('reflect-metadata');
const { Controller, Get, Header } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { RamflowModule } = require('@ramflow/nest');

const platform = process.argv[2] ?? 'express';
if (platform !== 'express' && platform !== 'fastify') {
  console.error(`usage: node app.cjs express|fastify (got "${platform}")`);
  process.exit(1);
}

// Which @nestjs/core @ramflow/nest resolves: this app's Nest 11, not the monorepo's Nest 12.
const nestVersion = require('@nestjs/core/package.json').version;
const nestSeenByRamflow = require(
  require.resolve('@nestjs/core/package.json', { paths: [require.resolve('@ramflow/nest')] }),
).version;

class AppController {
  page() {
    return '<!doctype html><html><head><title>Nest 11</title></head><body><h1>Nest 11 fixture</h1></body></html>';
  }
  ping() {
    return { ok: true, platform, nest: nestVersion, nestSeenByRamflow };
  }
}
// Plain JavaScript has no decorator syntax: Nest's decorators are applied as the calls TypeScript would emit.
for (const [key, decorators] of Object.entries({
  page: [Get('/'), Header('Content-Type', 'text/html; charset=utf-8')],
  ping: [Get('/api/ping')],
})) {
  Reflect.decorate(
    decorators,
    AppController.prototype,
    key,
    Object.getOwnPropertyDescriptor(AppController.prototype, key),
  );
}
Reflect.decorate([Controller()], AppController);

class AppModule {}
const appModule = { module: AppModule, imports: [RamflowModule.forRoot()], controllers: [AppController] };

function adapter() {
  if (platform === 'fastify') return new (require('@nestjs/platform-fastify').FastifyAdapter)();
  return new (require('@nestjs/platform-express').ExpressAdapter)();
}

async function main() {
  const app = await NestFactory.create(appModule, adapter(), { logger: ['error', 'warn'] });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const { port } = app.getHttpServer().address();
  console.log(`ramflow Nest ${nestVersion} (${platform}) fixture on http://127.0.0.1:${port}`);
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
