import type { OutgoingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ResponseInfo } from '../types.js';

/** A response whose headers can be read: node:http's, or a framework's reply (Fastify's has the same methods). */
export interface ReadableHeaders {
  readonly statusCode: number;
  getHeader(name: string): unknown;
}

function header(res: Pick<ReadableHeaders, 'getHeader'>, name: string): string | undefined {
  const value = res.getHeader(name);
  // Koa 2 and some frameworks leave an empty string for a header they removed.
  if (value === undefined || value === '') return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** What a response says about itself, for `wantsBody`, `injectToolbar` and `responseHeaders`. */
export function readResponseInfo(res: ReadableHeaders): ResponseInfo {
  return {
    statusCode: res.statusCode,
    contentType: header(res, 'content-type'),
    contentEncoding: header(res, 'content-encoding'),
  };
}

/**
 * ramflow's response headers as they are to be set on `res`: `Server-Timing` appended to whatever the app set
 * (several metrics lists are valid), the others as they are (they replace).
 */
export function mergedResponseHeaders(
  res: Pick<ReadableHeaders, 'getHeader'>,
  headers: ReadonlyArray<readonly [string, string]>,
): Array<[string, string]> {
  return headers.map(([name, value]) => {
    if (name !== 'Server-Timing') return [name, value];
    const existing = header(res, name);
    return [name, existing ? `${existing}, ${value}` : value];
  });
}

/** Sets ramflow's response headers on a node:http response that has not sent its headers yet. */
export function writeResponseHeaders(
  res: OutgoingMessage,
  headers: ReadonlyArray<readonly [string, string]>,
): void {
  for (const [name, value] of mergedResponseHeaders(res, headers)) res.setHeader(name, value);
}

/**
 * The client went away before the whole response was handed to the operating system: the response never
 * finished, or its socket failed while sending it. Node emits 'finish' even for a body written with one `end()`
 * whose socket the client reset halfway (a 50 MB page read for 255 KB), so `writableFinished` alone says
 * "complete" there; the socket's error tells. `socket` is the request's (`req.socket`: the response lets go
 * of its own when it closes).
 */
export function responseAborted(
  res: { readonly writableFinished: boolean },
  socket: Pick<Duplex, 'errored'> | null | undefined,
  /** Called from the response's 'finish' (Fastify's onResponse): it finished, whatever the response says. */
  finished = false,
): boolean {
  return (!finished && !res.writableFinished) || (socket?.errored ?? null) !== null;
}
