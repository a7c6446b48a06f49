import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestSession } from '../types.js';
import { flatten } from './inject.js';
import { readResponseInfo } from './node-response.js';

type EndArgs = [chunk?: unknown, encoding?: unknown, callback?: unknown];

/** Runs ramflow's own work inside the session's window so that it is left out of the request's figures. */
function own<T>(session: RequestSession, work: () => T): T {
  // ramflow's sessions have `own`; a stand-in session (a test double, say) runs the work plainly.
  const owner = session as RequestSession & { own?: <R>(work: () => R) => R };
  return typeof owner.own === 'function' ? owner.own(work) : work();
}

/**
 * Hands a complete body written by a single `res.end(body)` to the session for toolbar injection, on a node:http
 * response (Express, and any framework that writes through `res.end`). The first `res.write` marks the response
 * as streamed: it then passes through untouched, chunk by chunk. Everything this wrapper does before the original
 * `end` runs is ramflow's own work and is left out of the request's figures.
 */
export function interceptNodeBody(session: RequestSession, req: IncomingMessage, res: ServerResponse): void {
  // Installing the wrappers (their closures, two properties on `res`) is ramflow's own work too.
  own(session, () => install(session, req, res));
}

function install(session: RequestSession, req: IncomingMessage, res: ServerResponse): void {
  const write = res.write;
  const end = res.end;
  const restore = () => {
    res.write = write;
    res.end = end;
  };
  res.write = function (this: ServerResponse, ...args: Parameters<ServerResponse['write']>) {
    restore();
    return write.apply(this, args);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, ...args: EndArgs) {
    restore();
    // Writing the page copies a concatenated string whole: the app's cost with or without the toolbar. Done here,
    // before the own-work span below (the session's own flatten would fall inside it, and is then a no-op).
    if (typeof args[0] === 'string') flatten(args[0]);
    const callEnd = end as (...a: unknown[]) => ServerResponse;
    const [chunk, encoding, callback] = own(session, () => prepare(session, req, this, args));
    return callEnd.call(this, chunk, encoding, callback);
  } as ServerResponse['end'];
}

/** The arguments `end` is called with: the body with the toolbar injected, or the app's own untouched. */
function prepare(session: RequestSession, req: IncomingMessage, res: ServerResponse, args: EndArgs): EndArgs {
  let [chunk, encoding, callback] = args;
  if (typeof chunk === 'function') return [chunk];
  if (typeof encoding === 'function') {
    callback = encoding;
    encoding = undefined;
  }
  if ((typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) || res.headersSent)
    return [chunk, encoding, callback];
  const info = readResponseInfo(res);
  if (!session.wantsBody(info)) return [chunk, encoding, callback];
  // A string stays a string (Node writes it as it would have), bytes stay bytes.
  const body =
    typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const injected = session.injectToolbar(body, info, { request: req, response: res });
  if (injected === body) return [chunk, encoding, callback];
  const stringEncoding = (encoding as BufferEncoding | undefined) ?? 'utf8';
  res.setHeader(
    'content-length',
    typeof injected === 'string' ? Buffer.byteLength(injected, stringEncoding) : injected.byteLength,
  );
  // The page now differs per request: an ETag of the original body would make browsers reuse a stale toolbar.
  res.removeHeader('etag');
  return typeof injected === 'string'
    ? [injected, stringEncoding, callback]
    : [injected, undefined, callback];
}
