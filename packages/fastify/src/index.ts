import {
  createRamflow,
  injectIntoStream,
  isReadableStream,
  mergedResponseHeaders,
  type Ramflow,
  type RamflowOptions,
  type RequestInfo,
  type RequestSession,
  readResponseInfo,
  responseAborted,
} from '@ramflow/core';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RouteHandlerMethod,
} from 'fastify';
import fp from 'fastify-plugin';

export type { RamflowOptions, RequestRecord, RequestSession } from '@ramflow/core';

declare module 'fastify' {
  interface FastifyInstance {
    /** The ramflow instance the plugin drives (for `flush`, the store); closed with the app. */
    ramflow: Ramflow;
  }
  interface FastifyRequest {
    /** The ramflow session of this request, when it is profiled. */
    ramflow?: RequestSession;
  }
}

function requestInfo(request: FastifyRequest, reply: FastifyReply): RequestInfo {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    // request.ip honours Fastify's own `trustProxy` option; X-Forwarded-For is not trusted otherwise.
    remoteAddress: request.ip,
    protocol: request.protocol === 'https' ? 'https' : 'http',
    raw: request.raw,
    rawResponse: reply.raw,
  };
}

/**
 * Fastify's logger, unless it is off (`Fastify()` without `logger`) or silent: then ramflow's own default, so its
 * few one-time messages (the backend chosen, why a client was refused) are not lost.
 */
function frameworkLogger(fastify: FastifyInstance): RamflowOptions['logger'] {
  const level = (fastify.log as { level?: string }).level;
  if (level === undefined || level === 'silent') return undefined;
  return {
    info: (message) => fastify.log.info(message),
    warn: (message) => fastify.log.warn(message),
    error: (message) => fastify.log.error(message),
  };
}

/** Options Fastify itself reads from `register(plugin, options)`; they are not ramflow's. */
const FASTIFY_REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];

const plugin: FastifyPluginAsync<RamflowOptions> = async (fastify, registerOptions) => {
  const options: Record<string, unknown> = { ...registerOptions };
  for (const name of FASTIFY_REGISTER_OPTIONS) delete options[name];
  const logger = registerOptions.logger ?? frameworkLogger(fastify);
  const core = createRamflow({ ...(options as RamflowOptions), ...(logger ? { logger } : {}) });
  fastify.decorate('ramflow', core);
  fastify.decorateRequest('ramflow', undefined);
  fastify.addHook('onClose', () => core.close());

  fastify.addHook('onRequest', (request, reply, done) => {
    const session = core.start(requestInfo(request, reply));
    if (session !== undefined) {
      request.ramflow = session;
      // onResponse runs on 'finish' only: a client that goes away first would leave the session open.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) {
          session.finish({
            statusCode: reply.raw.statusCode,
            aborted: true,
            contentType: readResponseInfo(reply).contentType,
          });
        }
      });
      // `isolate`: the request waits for the profiled requests in flight (never rejects).
      if (session.ready !== undefined) {
        session.ready.then(() => done());
        return;
      }
    }
    done();
  });

  fastify.addHook('onError', (request, _reply, error, done) => {
    request.ramflow?.noteAppError(error);
    done();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const session = request.ramflow;
    if (session === undefined) return done(null, payload);
    const info = readResponseInfo(reply);
    const nonceSource = { request: request.raw, response: reply.raw };
    const send = (body: unknown, injected: string | Buffer | undefined): void => {
      if (injected !== undefined) {
        reply.header('content-length', Buffer.byteLength(injected));
        // The page now differs per request: validators of the original would make browsers reuse a stale toolbar.
        reply.removeHeader('etag');
        reply.removeHeader('last-modified');
      }
      for (const [name, value] of mergedResponseHeaders(reply, session.responseHeaders(info)))
        reply.header(name, value);
      done(null, injected ?? body);
    };
    // A page sent as a stream with a known length (@fastify/static's files) is collected to take the toolbar;
    // other streams pass through chunk by chunk.
    if (session.mayInject && isReadableStream(payload)) {
      injectIntoStream(session, payload, info, reply.getHeader('content-length'), nonceSource).then(
        (collected) => {
          if (collected === undefined) send(payload, undefined);
          else if ('stream' in collected) send(collected.stream, undefined);
          else send(payload, collected.body);
        },
        (error: Error) => done(error),
      );
      return;
    }
    if (
      session.mayInject &&
      (typeof payload === 'string' || Buffer.isBuffer(payload)) &&
      session.wantsBody(info)
    ) {
      const injected = session.injectToolbar(payload, info, nonceSource);
      return send(payload, injected === payload ? undefined : injected);
    }
    send(payload, undefined);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    request.ramflow?.finish({
      statusCode: reply.statusCode,
      aborted: responseAborted(reply.raw, request.raw.socket, true),
      contentType: readResponseInfo(reply).contentType,
    });
    done();
  });

  // The dashboard, JSON API and assets are core's, written straight to node:http. A request ramflow does not
  // serve (disabled, a client or Host not allowed) gets the app's own 404, as if the routes did not exist.
  const serve: RouteHandlerMethod = async (request, reply) => {
    const info = requestInfo(request, reply);
    if (!core.serves(info)) return reply.callNotFound();
    reply.hijack();
    await core.handle(info, request.raw, reply.raw);
  };
  const { basePath } = core.options;
  // In a context of their own, so that what they need stays out of the app: POST for the state-changing actions
  // (the integrity audit; core answers 405 to the rest) and no body parsing, since core reads the raw body itself
  // (Fastify would answer a form POST with 415, and the app's own parsers must not see ramflow's requests).
  await fastify.register(async (routes) => {
    routes.removeAllContentTypeParsers();
    routes.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const methods = ['GET', 'HEAD', 'POST'];
    routes.route({ method: methods, url: basePath, handler: serve });
    routes.route({ method: methods, url: `${basePath}/*`, handler: serve });
  });
};

/**
 * ramflow for Fastify 4 and 5: `await app.register(ramflowToolbar, options)`. Not encapsulated, so it profiles
 * every route of the app it is registered on.
 */
export const ramflowToolbar = fp(plugin, { fastify: '4.x || 5.x', name: '@ramflow/fastify' });

export default ramflowToolbar;
