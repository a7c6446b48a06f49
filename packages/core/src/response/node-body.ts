import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestSession } from '../types.js';
import { MAX_COLLECTED_BYTES, mayCollect } from './collect.js';
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
 * Hands a page's body to the session for toolbar injection, on a node:http response (Express, and any framework
 * that writes through `res.write`/`res.end`): a body written by a single `res.end(body)`, or a page written in
 * parts with a declared, bounded Content-Length (a static file piped by `express.static`/`res.sendFile`), which
 * is collected whole before anything is sent (collect.ts). Anything else written with `res.write` (a page
 * streamed as it renders) passes through untouched, chunk by chunk. Everything these wrappers do before the
 * original `write`/`end` run is ramflow's own work and is left out of the request's figures.
 */
export function interceptNodeBody(session: RequestSession, req: IncomingMessage, res: ServerResponse): void {
  // Installing the wrappers (their closures, two properties on `res`) is ramflow's own work too.
  own(session, () => install(session, req, res));
}

/**
 * A page whose headers went out before its body reached ramflow (a compression middleware registered after ramflow
 * writes them first): the toolbar was rendered then, and the Content-Length sent (if any) includes its `added`
 * bytes, `declared` being the app's own.
 */
interface HeaderPlan {
  added: number;
  declared: number | undefined;
}

function install(session: RequestSession, req: IncomingMessage, res: ServerResponse): void {
  const write = res.write;
  const end = res.end;
  const writeHead = res.writeHead;
  /** The parts of a page being collected whole, once the first write decided to. */
  let collected: Buffer[] | undefined;
  let collectedLength = 0;
  let plan: HeaderPlan | undefined;
  /** The body reached ramflow's wrappers (a write or the end): headers written from then on need no plan. */
  let bodySeen = false;
  const restore = () => {
    res.write = write;
    res.end = end;
    res.writeHead = writeHead;
  };
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    res.writeHead = writeHead;
    if (!bodySeen) plan = own(session, () => planAtHeaders(session, req, this, args));
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  res.write = function (this: ServerResponse, ...args: Parameters<ServerResponse['write']>) {
    bodySeen = true;
    if (collected === undefined) {
      const collect =
        plan !== undefined
          ? plan.declared !== undefined
          : own(session, () => mayCollectWrites(session, this));
      if (!collect) {
        // Streamed: it goes out as written (a planned toolbar is not put in, and the record says "streamed").
        plan = undefined;
        restore();
        return write.apply(this, args);
      }
      collected = [];
    }
    const [chunk, encoding, callback] = writeArgs(args as EndArgs);
    if (chunk !== undefined) {
      collected.push(chunk);
      collectedLength += chunk.length;
    }
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    if (plan === undefined && collectedLength > MAX_COLLECTED_BYTES) {
      // More than its Content-Length said: not the page its headers describe. Send it on as it was written.
      restore();
      const parts = collected;
      collected = undefined;
      return write.call(this, Buffer.concat(parts), encoding as BufferEncoding);
    }
    return true;
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, ...args: EndArgs) {
    bodySeen = true;
    restore();
    const callEnd = end as (...a: unknown[]) => ServerResponse;
    if (
      collected !== undefined ||
      (plan !== undefined && args[0] !== undefined && typeof args[0] !== 'function')
    ) {
      const parts = collected ?? [];
      const [chunk, , callback] = writeArgs(args);
      if (chunk !== undefined) parts.push(chunk);
      const body = own(session, () => injectCollected(session, req, this, Buffer.concat(parts), plan));
      return callEnd.call(this, body, undefined, callback);
    }
    // Writing the page copies a concatenated string whole: the app's cost with or without the toolbar. Done here,
    // before the own-work span below (the session's own flatten would fall inside it, and is then a no-op).
    if (typeof args[0] === 'string') flatten(args[0]);
    const [chunk, encoding, callback] = own(session, () => prepare(session, req, this, args));
    return callEnd.call(this, chunk, encoding, callback);
  } as ServerResponse['end'];
}

/**
 * The headers are going out before the body reached ramflow: when the page will take the toolbar, renders it now
 * and fixes the headers for it (a Content-Length of the app's length plus the toolbar's, validators dropped).
 * Not when `writeHead` is given a Content-Length of its own, which ramflow does not rewrite.
 */
function planAtHeaders(
  session: RequestSession,
  req: IncomingMessage,
  res: ServerResponse,
  args: unknown[],
): HeaderPlan | undefined {
  if (!session.mayInject || session.reserveToolbar === undefined) return undefined;
  const given = args.find((arg) => typeof arg === 'object' && arg !== null);
  if (given !== undefined && Object.keys(given).some((name) => name.toLowerCase() === 'content-length'))
    return undefined;
  const declaredHeader = res.getHeader('content-length');
  if (declaredHeader !== undefined && !mayCollect(declaredHeader)) return undefined;
  const added = session.reserveToolbar(readResponseInfo(res), { request: req, response: res });
  if (added === undefined) return undefined;
  const declared = declaredHeader === undefined ? undefined : Number(declaredHeader);
  if (declared !== undefined) res.setHeader('content-length', declared + added);
  // The page now differs per request: validators of the original would make browsers reuse a stale toolbar.
  res.removeHeader('etag');
  res.removeHeader('last-modified');
  return { added, declared };
}

/** A page about to be written in parts is collected whole: its headers are unsent, its length known and bounded. */
function mayCollectWrites(session: RequestSession, res: ServerResponse): boolean {
  return (
    session.mayInject &&
    !res.headersSent &&
    mayCollect(res.getHeader('content-length')) &&
    session.wantsBody(readResponseInfo(res))
  );
}

/** A write's or end's chunk as bytes (undefined for none), its encoding and its callback. */
function writeArgs(args: EndArgs): [Buffer | undefined, unknown, unknown] {
  let [chunk, encoding, callback] = args;
  if (typeof chunk === 'function') return [undefined, undefined, chunk];
  if (typeof encoding === 'function') {
    callback = encoding;
    encoding = undefined;
  }
  if (chunk === undefined || chunk === null) return [undefined, encoding, callback];
  const bytes =
    typeof chunk === 'string'
      ? Buffer.from(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8')
      : Buffer.from(
          (chunk as Uint8Array).buffer,
          (chunk as Uint8Array).byteOffset,
          (chunk as Uint8Array).byteLength,
        );
  return [bytes, encoding, callback];
}

/**
 * The collected page with the toolbar in, its headers fixed; or the page as written when it is not the one
 * declared. With a plan, the headers are out already and promised the toolbar's bytes: it goes in regardless.
 */
function injectCollected(
  session: RequestSession,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  plan: HeaderPlan | undefined,
): Buffer {
  if (plan === undefined && Number(res.getHeader('content-length')) !== body.length) return body;
  const injected = session.injectToolbar(body, readResponseInfo(res), { request: req, response: res });
  if (injected === body) return body;
  const bytes = typeof injected === 'string' ? Buffer.from(injected) : injected;
  if (!res.headersSent) {
    res.setHeader('content-length', bytes.length);
    // The page now differs per request: validators of the file would make browsers reuse a stale toolbar.
    res.removeHeader('etag');
    res.removeHeader('last-modified');
  }
  return bytes;
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
