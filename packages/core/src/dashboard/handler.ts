import type { IncomingMessage, ServerResponse } from 'node:http';
import { crossSiteRefusal } from '../security.js';
import { type DashboardHost, Exchange } from './routes/exchange.js';
import { ROUTES } from './routes/index.js';
import { matchRoute } from './routes/route.js';

export type { DashboardHost } from './routes/exchange.js';

const READ_METHODS = ['GET', 'HEAD'] as const;

/**
 * Serves `basePath`: the history page, a page per request, the JSON API and the toolbar's assets (the route
 * table is `routes/`). Framework neutral (node:http request/response); the caller has already checked that the
 * client is allowed.
 */
export async function handleDashboard(
  host: DashboardHost,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
): Promise<void> {
  const exchange = new Exchange(host, req, res, url);
  const { method } = exchange;
  if (method === 'POST') {
    // State-changing: only from ramflow's own pages (or a client that is not a browser), whatever the token.
    const refusal = crossSiteRefusal(req.headers, { sameSite: false });
    if (refusal !== undefined) {
      exchange.json(403, {
        error: 'forbidden',
        message: `ramflow's actions are only taken from its own pages: ${refusal}.`,
      });
      return;
    }
  }
  const found = matchRoute(ROUTES, exchange.path);
  const methods: readonly string[] = found?.route.methods ?? READ_METHODS;
  if (!methods.includes(method)) return exchange.methodNotAllowed(methods.join(', '));
  if (found === undefined) return exchange.notFound('No such ramflow page.');
  if (found.route.settle !== false) await host.flush();
  await found.route.handle(exchange, found.groups);
}
