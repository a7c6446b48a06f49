import type { ServerResponse } from 'node:http';
import {
  createRamflow,
  interceptNodeBody,
  type Ramflow,
  type RamflowOptions,
  type RequestInfo,
  type RequestSession,
  readResponseInfo,
  responseAborted,
  writeResponseHeaders,
} from '@ramflow/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import onHeaders from 'on-headers';

export type { RamflowOptions, RequestRecord, RequestSession } from '@ramflow/core';

declare global {
  namespace Express {
    interface Request {
      /** The ramflow session of this request, when it is profiled. */
      ramflow?: RequestSession;
    }
  }
}

/** The Express middleware, with the ramflow instance it drives (for `flush`, `close`, the store). */
export type RamflowMiddleware = RequestHandler & { readonly ramflow: Ramflow };

function requestInfo(req: Request, res: Response): RequestInfo {
  // req.ip and req.protocol honour Express's `trust proxy` setting (X-Forwarded-* is not trusted otherwise), at
  // ~15 µs a request (proxy-addr). With the setting off, which is the default, they are the socket's own figures.
  const trusting = req.app?.get('trust proxy') !== false;
  const socket = req.socket as (typeof req.socket & { encrypted?: boolean }) | undefined;
  return {
    method: req.method,
    url: req.originalUrl ?? req.url,
    headers: req.headers,
    remoteAddress: trusting ? (req.ip ?? socket?.remoteAddress) : socket?.remoteAddress,
    protocol: (trusting ? req.protocol === 'https' : socket?.encrypted === true) ? 'https' : 'http',
    raw: req,
    rawResponse: res,
  };
}

/**
 * ramflow for Express 4 and 5. Register it before your routes: `app.use(ramflow())`.
 */
export function ramflow(options?: RamflowOptions): RamflowMiddleware {
  const core = createRamflow(options);
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const info = requestInfo(req, res);
    if (core.serves(info)) {
      core.handle(info, req, res).catch(next);
      return;
    }
    const session = core.start(info);
    if (session === undefined) {
      next();
      return;
    }
    req.ramflow = session;
    onHeaders(res, function (this: ServerResponse) {
      writeResponseHeaders(this, session.responseHeaders(readResponseInfo(this)));
    });
    if (session.mayInject) interceptNodeBody(session, req, res);
    // 'close' follows 'finish' on every response since Node 16, and also fires when the client goes away:
    // one listener covers both (on-finished cost about twice as much on a trivial route: 0.90 vs 0.955 of
    // bare Express throughput).
    res.once('close', () => {
      const { statusCode, contentType } = readResponseInfo(res);
      session.finish({ statusCode, aborted: responseAborted(res, req.socket), contentType });
    });
    // `isolate`: the request waits for the profiled requests in flight (never rejects).
    if (session.ready !== undefined) {
      session.ready.then(() => next());
      return;
    }
    next();
  };
  return Object.assign(middleware, { ramflow: core }) as RamflowMiddleware;
}

export default ramflow;
