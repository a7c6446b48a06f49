import type { ServerResponse } from 'node:http';
import {
  createRamflow,
  injectIntoStream,
  isReadableStream,
  type Ramflow,
  type RamflowOptions,
  type RequestInfo,
  type RequestSession,
  readResponseInfo,
  responseAborted,
  writeResponseHeaders,
} from '@ramflow/core';
import type { Middleware, ParameterizedContext } from 'koa';
import onHeaders from 'on-headers';

export type { RamflowOptions, RequestRecord, RequestSession } from '@ramflow/core';

declare module 'koa' {
  interface ExtendableContext {
    /**
     * The ramflow session of this request, when it is profiled (set by `ramflow()`, which must be registered
     * first). Like `ctx.session` or `ctx.params`, it lives on the context rather than in `ctx.state`, which
     * view renderers hand to templates.
     */
    ramflow?: RequestSession;
  }
}

/** The Koa middleware, with the ramflow instance it drives (for `flush`, `close`, the store). */
export type RamflowMiddleware = Middleware & { readonly ramflow: Ramflow };

function requestInfo(ctx: ParameterizedContext): RequestInfo {
  return {
    method: ctx.method,
    url: ctx.originalUrl,
    headers: ctx.headers,
    // ctx.ip and ctx.protocol honour Koa's own `app.proxy` setting; X-Forwarded-* are not trusted otherwise.
    remoteAddress: ctx.ip || undefined,
    protocol: ctx.protocol === 'https' ? 'https' : 'http',
    raw: ctx.req,
    rawResponse: ctx.res,
  };
}

/**
 * ramflow for Koa 2 and 3. Register it first, before every other middleware: `app.use(ramflow())`. The
 * request's session is on `ctx.ramflow` while it is profiled.
 */
export function ramflow(options?: RamflowOptions): RamflowMiddleware {
  const core = createRamflow(options);
  const middleware: Middleware = async (ctx, next) => {
    const request = requestInfo(ctx);
    if (core.serves(request)) {
      // The dashboard answers on node:http objects itself.
      ctx.respond = false;
      await core.handle(request, ctx.req, ctx.res);
      return;
    }
    const session = core.start(request);
    if (session === undefined) {
      await next();
      return;
    }
    ctx.ramflow = session;
    const res = ctx.res;
    // Not `ctx.set` after `next()`: Koa's default error handler (`ctx.onerror`) removes every header set so far
    // before it writes the error response, and X-Ramflow-Id belongs on error responses too. Headers added when
    // they are written survive whatever the app or Koa did before.
    onHeaders(res, function (this: ServerResponse) {
      writeResponseHeaders(this, session.responseHeaders(readResponseInfo(this)));
    });
    // 'close' follows 'finish' on every response since Node 16, and also fires when the client goes away.
    res.once('close', () => {
      const { statusCode, contentType } = readResponseInfo(res);
      session.finish({ statusCode, aborted: responseAborted(res, ctx.req.socket), contentType });
    });
    // `isolate`: the request waits for the profiled requests in flight (never rejects).
    if (session.ready !== undefined) await session.ready;
    try {
      await next();
    } catch (error) {
      // Koa answers it exactly as it would without ramflow.
      session.noteAppError(error);
      throw error;
    }
    // Complete bodies that Koa itself will send, and pages sent as a stream with a known length (koa-static's
    // files); other streams and body types pass untouched.
    const body: unknown = ctx.body;
    if (!session.mayInject || ctx.respond === false || res.headersSent) return;
    const info = readResponseInfo(res);
    const nonceSource = { request: ctx.req, response: res };
    if (isReadableStream(body)) {
      const collected = await injectIntoStream(
        session,
        body,
        info,
        res.getHeader('content-length'),
        nonceSource,
      );
      if (collected === undefined) return;
      if ('stream' in collected) {
        ctx.body = collected.stream;
        return;
      }
      ctx.body = collected.body;
      // The page now differs per request: validators of the file would make browsers reuse a stale toolbar.
      ctx.remove('ETag');
      ctx.remove('Last-Modified');
      return;
    }
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) return;
    if (!session.wantsBody(info)) return;
    const injected = session.injectToolbar(body, info, nonceSource);
    if (injected === body) return;
    // Koa recomputes Content-Length from the new body and keeps the Content-Type already set.
    ctx.body = injected;
    // The page now differs per request: an ETag of the original body would make browsers reuse a stale toolbar.
    ctx.remove('ETag');
  };
  return Object.assign(middleware, { ramflow: core }) as RamflowMiddleware;
}

export default ramflow;
