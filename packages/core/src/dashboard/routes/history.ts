import { historyPanel } from '../../panels/history.js';
import { historyEntries, parseHistoryFilter } from '../../panels/history-filter.js';
import type { Route } from './route.js';

/** The dashboard's home: the bounded history of requests, filterable. */
const historyPage: Route['handle'] = async (exchange) => {
  const { host } = exchange;
  const parsed = parseHistoryFilter(exchange.search);
  const entries = await historyEntries(host.store, await host.store.list());
  exchange.page('dashboard/history', {
    basePath: host.basePath,
    backendName: host.backend.name,
    backendReason: host.backend.reason,
    history: historyPanel(entries, {
      basePath: host.basePath,
      severity: host.severity,
      filter: parsed.filter,
      filterValues: parsed.values,
      filterErrors: parsed.errors,
    }),
  });
};

export const historyRoutes: readonly Route[] = [
  { path: '/', handle: historyPage },
  { path: '/requests', handle: historyPage },
  { path: '/requests/', handle: historyPage },
];
