import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggerService } from '@nestjs/common';
import type { RamflowOptions } from '@ramflow/core';
import { defineAdapterConformanceSuite, fixtures, rawRequest } from '@ramflow/core/testing';
import { RamflowModule } from '../src/index.js';
import {
  createNestApp,
  createNestConformanceServer,
  FixtureController,
  listen,
  type Platform,
} from './conformance-app.js';

defineAdapterConformanceSuite({
  name: 'nest@12/express',
  createServer: (options) => createNestConformanceServer('express', options),
});

defineAdapterConformanceSuite({
  name: 'nest@12/fastify',
  createServer: (options) => createNestConformanceServer('fastify', options),
});

const SETTINGS = Symbol('SETTINGS');

/** A module exporting a provider the options factory reads, as a config module would. */
class SettingsModule {}
const settingsModule = {
  module: SettingsModule,
  providers: [{ provide: SETTINGS, useValue: { ramflowBasePath: '/__debug' } }],
  exports: [SETTINGS],
};

for (const platform of ['express', 'fastify'] as const satisfies readonly Platform[]) {
  describe(`RamflowModule on nest@12/${platform}`, () => {
    it('forRootAsync: options come from useFactory, with inject and imports', async () => {
      const app = await createNestApp(platform, {
        imports: [
          RamflowModule.forRootAsync({
            imports: [settingsModule],
            inject: [SETTINGS],
            useFactory: async (settings: { ramflowBasePath: string }) => ({
              basePath: settings.ramflowBasePath,
            }),
          }),
        ],
        controllers: [FixtureController],
      });
      const server = await listen(app);
      try {
        const res = await rawRequest(server.baseUrl, fixtures.text.path);
        const id = res.headers['x-ramflow-id'] as string;
        assert.ok(id, 'profiled');
        assert.equal(new URL(res.headers['x-ramflow-link'] as string).pathname, `/__debug/requests/${id}`);
        const record = await rawRequest(server.baseUrl, `/__debug/api/requests/${id}`);
        assert.equal(record.status, 200);
        assert.equal(JSON.parse(record.body.toString()).id, id);
        assert.equal((await rawRequest(server.baseUrl, '/__ramflow/api/requests')).status, 404);
      } finally {
        await server.close();
      }
    });

    it('a bad option makes bootstrap throw with core’s message naming it', async () => {
      const bad = { histroySize: 5 } as unknown as RamflowOptions;
      for (const module of [
        RamflowModule.forRoot(bad),
        RamflowModule.forRootAsync({ useFactory: async () => bad }),
      ]) {
        const app = await createNestApp(platform, { imports: [module], controllers: [FixtureController] });
        try {
          await assert.rejects(app.init(), {
            name: 'RamflowError',
            message: 'ramflow: unknown option `histroySize`. Did you mean `historySize`?',
          });
        } finally {
          await app.close();
        }
      }
      const invalid = await createNestApp(platform, { imports: [RamflowModule.forRoot({ historySize: 0 })] });
      try {
        await assert.rejects(invalid.init(), /historySize/);
      } finally {
        await invalid.close();
      }
    });

    it('profiles routes under a global prefix and keeps /__ramflow where core serves it', async () => {
      const app = await createNestApp(platform, {
        imports: [RamflowModule.forRoot()],
        controllers: [FixtureController],
      });
      app.setGlobalPrefix('api');
      const server = await listen(app);
      try {
        const res = await rawRequest(server.baseUrl, `/api${fixtures.text.path}`);
        assert.equal(res.body.toString(), fixtures.text.body);
        const id = res.headers['x-ramflow-id'] as string;
        assert.ok(id, 'a prefixed route is profiled');
        const record = await rawRequest(server.baseUrl, `/__ramflow/api/requests/${id}`);
        assert.equal(record.status, 200);
      } finally {
        await server.close();
      }
    });

    it('closes the ramflow instance when the app closes', async () => {
      const app = await createNestApp(platform, { imports: [RamflowModule.forRoot()] });
      await app.init();
      const ramflow = app.get(RamflowModule).ramflow;
      assert.ok(ramflow, 'the module exposes the instance once initialized');
      const request = { method: 'GET', url: '/x', headers: {}, remoteAddress: '127.0.0.1' };
      const session = ramflow.start(request);
      assert.ok(session, 'open before close');
      session.finish({ statusCode: 200, aborted: false });
      await app.close();
      assert.equal(ramflow.start(request), undefined, 'a closed instance profiles nothing');
    });

    it('logs through Nest’s logger, under the "ramflow" context', async () => {
      const lines: Array<[level: string, message: unknown, context: unknown]> = [];
      const record =
        (level: string) =>
        (message: unknown, ...rest: unknown[]) =>
          lines.push([level, message, rest.at(-1)]);
      const logger: LoggerService = {
        log: record('log'),
        warn: record('warn'),
        error: record('error'),
        debug: record('debug'),
        verbose: record('verbose'),
      };
      const app = await createNestApp(platform, { imports: [RamflowModule.forRoot()], logger });
      await app.init();
      await app.close();
      assert.ok(
        lines.some(
          ([level, message, context]) =>
            level === 'log' && context === 'ramflow' && /memory backend/.test(String(message)),
        ),
        JSON.stringify(lines.filter(([, , context]) => context === 'ramflow')),
      );
    });
  });
}
