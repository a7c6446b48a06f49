import type { HeapDeltaMode, MemoryBackendName } from '@ramflow/core';
import { LogController } from 'fastify';
import { allocateBallast } from '../../shared/scenario.js';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const ballast = allocateBallast(Number(process.env.BALLAST_MB ?? 0));
const backend = process.env.RAMFLOW_BACKEND as MemoryBackendName | 'auto' | undefined;
const heapDelta = process.env.RAMFLOW_HEAP_DELTA as HeapDeltaMode | undefined;

const app = await buildApp({
  ramflow:
    process.env.RAMFLOW === 'off'
      ? false
      : { ...(backend ? { memoryBackend: backend } : {}), ...(heapDelta ? { heapDelta } : {}) },
  // ramflow logs through Fastify's logger (its backend choice, refused clients); Fastify's two lines per request
  // would drown that out, and cost the benchmark.
  fastify: { logger: { level: 'info' }, logController: new LogController({ disableRequestLogging: true }) },
});
await app.listen({ port, host });
console.log(
  `ramflow Fastify example on http://${host}:${port} (ramflow ${process.env.RAMFLOW === 'off' ? 'off' : 'on'}${ballast.length ? `, ${ballast.length} MB ballast` : ''})`,
);
const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
