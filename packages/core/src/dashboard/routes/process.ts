import type { IncomingMessage } from 'node:http';
import { processPanel } from '../../panels/process.js';
import type { Route } from './route.js';

/** Most bytes read of an audit request's form body (it carries only the token). */
const MAX_FORM_BYTES = 1024;

/** The whole process's view, as a page and as JSON, and the integrity audit it offers. */
export const processRoutes: readonly Route[] = [
  {
    path: '/process',
    handle(exchange) {
      const { host } = exchange;
      exchange.page('dashboard/process', {
        basePath: host.basePath,
        token: host.actionToken,
        panel: processPanel(host.processReport()),
      });
    },
  },
  {
    path: '/api/process',
    handle(exchange) {
      exchange.json(200, exchange.host.processReport());
    },
  },
  {
    /**
     * Forces a full collection and records the verdict. State-changing, so it needs the per-process token, in an
     * `X-Ramflow-Token` header (JSON answer) or in the dashboard form's body (redirect back to the page).
     */
    path: '/api/process/audit',
    methods: ['POST'],
    settle: false,
    async handle(exchange) {
      const { host, req } = exchange;
      const header = req.headers['x-ramflow-token'];
      let token = typeof header === 'string' ? header : undefined;
      const fromForm = token === undefined;
      if (fromForm) {
        const parsed = parsedBodyToken(req);
        if (parsed !== undefined) token = parsed;
        else {
          const body = await readSmallBody(req, MAX_FORM_BYTES);
          // The client went away before sending its body: nobody to answer.
          if (body === 'aborted') return;
          token = body === undefined ? undefined : (new URLSearchParams(body).get('token') ?? undefined);
        }
      }
      if (token !== host.actionToken) {
        exchange.json(403, {
          error: 'forbidden',
          message:
            'State-changing requests need the token from the dashboard (X-Ramflow-Token header or the form).',
        });
        return;
      }
      const audit = host.runAudit();
      if (fromForm) exchange.redirect(303, `${host.basePath}/process`);
      else exchange.json(200, audit);
    },
  },
];

/**
 * The form's token when a body parser that ran before ramflow (Express's `urlencoded`, which Nest registers
 * first) has read the body already and left it on `req.body`; undefined when the body is still to be read.
 */
function parsedBodyToken(req: IncomingMessage): string | undefined {
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return new URLSearchParams(body).get('token') ?? '';
  if (typeof body === 'object') {
    const token = (body as Record<string, unknown>).token;
    return typeof token === 'string' ? token : '';
  }
  return undefined;
}

/**
 * The request body as text, undefined when it is longer than `limit` bytes, or `'aborted'` when the client went
 * away before sending all of it (a Content-Length with no body, say): an ordinary event, not ramflow's failure.
 */
async function readSmallBody(req: IncomingMessage, limit: number): Promise<string | undefined | 'aborted'> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > limit) return undefined;
      chunks.push(chunk);
    }
  } catch (error) {
    if (req.destroyed || (error as { code?: string }).code === 'ECONNRESET') return 'aborted';
    throw error;
  }
  return Buffer.concat(chunks).toString('utf8');
}
