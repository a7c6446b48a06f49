import 'reflect-metadata';
import type { HeapDeltaMode, MemoryBackendName } from '@ramflow/core';
import { allocateBallast } from '../../shared/scenario.js';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const platform = process.env.NEST_PLATFORM ?? 'express';
if (platform !== 'express' && platform !== 'fastify') {
  console.error(`NEST_PLATFORM must be "express" or "fastify", got "${platform}".`);
  process.exit(1);
}
const ballast = allocateBallast(Number(process.env.BALLAST_MB ?? 0));
const backend = process.env.RAMFLOW_BACKEND as MemoryBackendName | 'auto' | undefined;
const heapDelta = process.env.RAMFLOW_HEAP_DELTA as HeapDeltaMode | undefined;

const app = await buildApp({
  platform,
  ramflow:
    process.env.RAMFLOW === 'off'
      ? false
      : { ...(backend ? { memoryBackend: backend } : {}), ...(heapDelta ? { heapDelta } : {}) },
});
await app.listen(port, host);
// The port actually bound (PORT=0 picks a free one).
const bound = (app.getHttpServer().address() as { port: number }).port;
console.log(
  `ramflow NestJS (${platform}) example on http://${host}:${bound} (ramflow ${process.env.RAMFLOW === 'off' ? 'off' : 'on'}${ballast.length ? `, ${ballast.length} MB ballast` : ''})`,
);
const stop = () => {
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
