/** @fastify/static (and reply.sendFile) and @fastify/compress registered after ramflow, through the shared suite. */
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import { defineStaticConformanceSuite } from '@ramflow/core/testing';
import fastify from 'fastify';
import { ramflowToolbar } from '../src/index.js';

defineStaticConformanceSuite({
  name: 'fastify with @fastify/static and @fastify/compress',
  async start({ withRamflow, root }) {
    const app = fastify();
    if (withRamflow) await app.register(ramflowToolbar, { memoryBackend: 'process' });
    await app.register(fastifyCompress);
    await app.register(fastifyStatic, { root });
    app.get('/sent', (_request, reply) => reply.sendFile('index.html'));
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    return { baseUrl, close: () => app.close() };
  },
});
