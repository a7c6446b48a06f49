/**
 * Issue 17 item 10, documented in the README: with ramflow's onSend hook, as with any onSend hook, Fastify answers
 * an unsendable payload with a 500 instead of throwing it into the handler's try/catch. This test keeps the
 * README honest: if Fastify or ramflow changes, it fails and the README must change with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastify from 'fastify';
import { ramflowToolbar } from '../src/index.js';

async function outcome(plugin: 'none' | 'ramflow' | 'another onSend hook') {
  const app = fastify();
  if (plugin === 'ramflow') await app.register(ramflowToolbar, { memoryBackend: 'process' });
  if (plugin === 'another onSend hook')
    app.addHook('onSend', (_request, _reply, payload, done) => done(null, payload));
  let caught: string | undefined;
  app.get('/', (_request, reply) => {
    try {
      reply.type('text/plain').send(42 as unknown as string);
    } catch (error) {
      caught = (error as { code?: string }).code;
      reply.code(200).send('handled');
    }
    return reply;
  });
  const response = await app.inject({ url: '/', headers: { accept: 'text/html' } });
  await app.close();
  return { status: response.statusCode, caught };
}

describe('an unsendable payload under ramflow (README, Fastify)', () => {
  it('throws into the handler without onSend hooks, and is a 500 with ramflow as with any onSend hook', async () => {
    assert.deepEqual(await outcome('none'), { status: 200, caught: 'FST_ERR_REP_INVALID_PAYLOAD_TYPE' });
    assert.deepEqual(await outcome('another onSend hook'), { status: 500, caught: undefined });
    assert.deepEqual(await outcome('ramflow'), { status: 500, caught: undefined });
  });
});
