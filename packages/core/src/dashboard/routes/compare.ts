import { compareError, comparePage, parseCompareQuery } from '../compare/page.js';
import type { Route } from './route.js';

/** Two requests side by side: `/compare?a=<id>&b=<id>`. */
export const compareRoutes: readonly Route[] = [
  {
    path: '/compare',
    async handle(exchange) {
      const { host } = exchange;
      const ids = parseCompareQuery(exchange.search);
      const data =
        'error' in ids
          ? compareError(host.basePath, ids.error)
          : comparePage(await host.store.get(ids.a), await host.store.get(ids.b), ids, host.basePath);
      exchange.page('dashboard/compare', data, data.status);
    },
  },
];
