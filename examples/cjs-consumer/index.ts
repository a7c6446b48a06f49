// Compiled with `module: commonjs` (the classic Node resolution most CommonJS TypeScript projects still use):
// the packages' CommonJS type declarations must be found and must type-check.
import { createRamflow, type RamflowOptions, type RequestRecord } from '@ramflow/core';
import { ramflow } from '@ramflow/express';
import { ramflowToolbar } from '@ramflow/fastify';
import { ramflow as koaRamflow } from '@ramflow/koa';
import { RamflowModule } from '@ramflow/nest';

import Fastify = require('fastify');
import Koa = require('koa');

import express = require('express');

const options: RamflowOptions = { historySize: 10, heapDelta: 'fast', serverTiming: ['heap', 'alloc'] };
const app = express();
app.use(ramflow(options));
const core = createRamflow(options);

export async function fastifyApp() {
  const fastify = Fastify();
  await fastify.register(ramflowToolbar, options);
  fastify.get('/', async (request) => ({ profiled: request.ramflow !== undefined }));
  return fastify;
}

export const koa = new Koa();
koa.use(koaRamflow(options));
koa.use((ctx) => {
  ctx.body = { profiled: ctx.ramflow !== undefined };
});

export function describe(record: RequestRecord): string {
  return `${record.request.method} ${record.request.url}: ${record.memory.heapDeltaBytes} B`;
}
/** What a Nest app's root module imports. */
export const nestImports = [
  RamflowModule.forRoot(options),
  RamflowModule.forRootAsync({ useFactory: () => options }),
];

export { app, core };
