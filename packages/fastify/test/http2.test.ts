/**
 * Fastify with `http2: true` over TLS: an HTTP/2 request has no Host header, only `:authority`, and
 * X-Ramflow-Link must still be the absolute https:// link the README documents.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fastify from 'fastify';
import { ramflowToolbar } from '../src/index.js';

/** A throwaway self-signed certificate for 127.0.0.1, or undefined without the openssl command. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ramflow-h2-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certificate = selfSignedCertificate();

describe('@ramflow/fastify over HTTP/2 with TLS', { skip: certificate === undefined && 'no openssl' }, () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('sets an absolute https:// X-Ramflow-Link from :authority', async () => {
    const app = fastify({ http2: true, https: certificate as { key: string; cert: string } });
    await app.register(ramflowToolbar, { memoryBackend: 'process' });
    app.get('/', async (_request, reply) => reply.type('text/html').send('<html><body>h2</body></html>'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const { port } = app.server.address() as AddressInfo;
    const client = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    closers.unshift(async () => client.close());
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = client.request({ ':path': '/', accept: 'text/html' });
      stream.on('response', (response) => {
        stream.resume();
        stream.on('end', () => resolve(response));
      });
      stream.on('error', reject);
      stream.end();
    });
    const id = headers['x-ramflow-id'];
    assert.equal(typeof id, 'string', 'the request was profiled');
    assert.equal(headers['x-ramflow-link'], `https://127.0.0.1:${port}/__ramflow/requests/${id}`);
  });
});
