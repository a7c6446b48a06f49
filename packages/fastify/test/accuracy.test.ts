import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '@ramflow/core/testing';
import fastify from 'fastify';
import { ramflowToolbar } from '../src/index.js';

/**
 * 4,000 distinct flat one-byte strings of 1,000 characters: V8 stores each as a SeqOneByteString of
 * align8(16 + 1000) = 1,016 bytes, so the payload is 4,064,000 bytes (plus a 32 KB array of pointers).
 */
const STRINGS = 4000;
const LENGTH = 1000;
const PAYLOAD = STRINGS * 1016;

function allocateStrings(): string[] {
  const source = Buffer.alloc(LENGTH, 0x78) as Buffer & { latin1Slice(start: number, end: number): string };
  const kept = new Array<string>(STRINGS);
  for (let i = 0; i < STRINGS; i++) {
    source.writeUInt32LE(i, 0);
    kept[i] = source.latin1Slice(0, LENGTH);
  }
  return kept;
}

describe('allocation accuracy through Fastify', () => {
  const app = fastify();
  let baseUrl: string;
  before(async () => {
    await app.register(ramflowToolbar);
    app.get('/strings', (_request, reply) => {
      const kept = allocateStrings();
      reply.type('text/plain').send(String(kept.length));
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('reports allocatedBytes within ±20% of a request that builds 4 MB of strings in a local array', async () => {
    await rawRequest(baseUrl, '/strings'); // warm-up: first-call compilation is not the request's allocation
    for (let run = 0; run < 3; run++) {
      const res = await rawRequest(baseUrl, '/strings');
      const record = JSON.parse(
        (await rawRequest(baseUrl, `/__ramflow/api/requests/${res.headers['x-ramflow-id']}`)).body.toString(),
      );
      const allocated = record.memory.allocatedBytes;
      assert.equal(
        typeof allocated,
        'number',
        `allocation unavailable: ${record.memory.allocatedUnavailable}`,
      );
      assert.ok(
        Math.abs(allocated - PAYLOAD) <= PAYLOAD * 0.2,
        `run ${run}: allocated ${allocated} vs payload ${PAYLOAD}`,
      );
    }
  });
});
