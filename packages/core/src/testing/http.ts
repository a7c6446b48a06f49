import assert from 'node:assert/strict';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestListener,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConformanceServer } from './conformance.js';

/** A response as `rawRequest` gives it: status, headers and the exact body bytes. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Serves a node:http request listener (an Express app, `koa.callback()`, …) on 127.0.0.1 port 0; `close` ends
 * every connection, closes the server, then runs `onClose` (e.g. the ramflow instance's close).
 */
export async function serveOnLoopback(
  listener: RequestListener,
  onClose?: () => Promise<void>,
): Promise<ConformanceServer> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await onClose?.();
    },
  };
}

/** A raw HTTP client: no decompression, no redirects, exact bytes. */
export function rawRequest(
  baseUrl: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, baseUrl),
      { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Reads a response until `bytes` have arrived, then hangs up (a client that goes away halfway). */
export function readThenHangUp(baseUrl: string, path: string, bytes: number): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, baseUrl), { agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes) {
          req.destroy();
          resolve(res.headers);
        }
      });
      res.on('end', () => reject(new Error(`the whole body (${received} bytes) arrived before hanging up`)));
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const PARAM = `\\s*;\\s*${TOKEN}\\s*=\\s*(?:${TOKEN}|${QUOTED})`;
const METRIC = new RegExp(`^\\s*(${TOKEN})((?:${PARAM})*)\\s*$`);

/** Parses a `Server-Timing` value per the W3C grammar; throws on anything invalid. */
export function parseServerTiming(value: string): Array<{ name: string; params: Record<string, string> }> {
  const metrics: Array<{ name: string; params: Record<string, string> }> = [];
  // Split on commas outside quoted strings.
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (quoted && char === '\\') {
      current += char + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  for (const part of parts) {
    const match = METRIC.exec(part);
    assert.ok(match, `invalid Server-Timing metric: ${JSON.stringify(part)}`);
    const params: Record<string, string> = {};
    for (const param of (match[2] ?? '').matchAll(
      new RegExp(`;\\s*(${TOKEN})\\s*=\\s*(${TOKEN}|${QUOTED})`, 'g'),
    )) {
      const raw = param[2] as string;
      params[param[1] as string] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    }
    metrics.push({ name: match[1] as string, params });
  }
  return metrics;
}

/** How the injected toolbar starts. */
export const TOOLBAR_OPEN = '<ramflow-toolbar';
const TOOLBAR_PATTERN = /<ramflow-toolbar[\s\S]*?<\/ramflow-toolbar>(?:<script[^>]*><\/script>)+\n?/;

/** The call tagger ramflow puts first in `<head>` (or, without one, just before the toolbar). */
const CALLS_PATTERN =
  /<script src="[^"]*\/assets\/calls\.js" data-ramflow-id="[^"]*"(?: nonce="[^"]*")?><\/script>/;

/** Removes the injected toolbar and call tagger, giving back the app's own body. */
export function stripToolbar(body: string): string {
  return body.replace(CALLS_PATTERN, '').replace(TOOLBAR_PATTERN, '');
}
