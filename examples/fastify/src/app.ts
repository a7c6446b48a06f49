import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { type RamflowOptions, ramflowToolbar } from '@ramflow/fastify';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { renderHomePage } from '../../shared/page.js';
import { buildReport, retainChunk } from '../../shared/scenario.js';

export interface BuildAppOptions {
  /** ramflow's options, or false to run without it. */
  ramflow?: RamflowOptions | false;
  /** Fastify's own options (`logger`, `trustProxy`, …). */
  fastify?: FastifyServerOptions;
}

async function* lines(): AsyncGenerator<string> {
  for (let n = 0; n < 5; n++) {
    if (n > 0) await delay(20);
    yield `line ${n}\n`;
  }
  yield 'done\n';
}

/**
 * The demo app: `/`, `/api/report`, `/leak`, `/stream`. With ramflow, `app.ramflow` is its instance;
 * `app.close()` closes it too.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(options.fastify);
  if (options.ramflow !== false) await app.register(ramflowToolbar, options.ramflow ?? {});

  app.get('/', (_request, reply) => {
    reply.type('text/html; charset=utf-8').send(renderHomePage('Fastify'));
  });
  app.get('/api/report', async () => buildReport());
  app.get('/leak', async () => {
    const chunks = retainChunk();
    return { retainedChunks: chunks, retainedApproxBytes: chunks * 131_072 * 8 };
  });
  app.get('/stream', (_request, reply) => {
    reply.type('text/plain; charset=utf-8').send(Readable.from(lines()));
  });
  app.get('/favicon.ico', (_request, reply) => {
    reply.code(204).send();
  });
  app.get('/api/ping', async () => ({ ok: true }));
  return app;
}
