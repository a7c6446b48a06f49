import { processCompact } from '../../panels/process.js';
import { PAGE_PANELS, panelById } from '../../panels/registry.js';
import { panel as summary, summaryInputFromRecord, summaryPanel } from '../../panels/summary.js';
import type { Route } from './route.js';

/** The records: the list, one record as JSON or as a page, and what the toolbar loads for its panels. */
export const requestRoutes: readonly Route[] = [
  {
    path: '/api/backend',
    handle(exchange) {
      const { backend } = exchange.host;
      exchange.json(200, { name: backend.name, reason: backend.reason, stats: backend.stats?.() ?? null });
    },
  },
  {
    path: '/api/requests',
    async handle(exchange) {
      exchange.json(200, { requests: await exchange.host.store.list() });
    },
  },
  {
    path: /^\/api\/requests\/([^/]+)$/,
    async handle(exchange, [id]) {
      const record = await exchange.record(id as string);
      if (record !== undefined) exchange.json(200, record);
    },
  },
  {
    // The request page: every panel that shows on a page, in the registry's order, then the kept headers.
    path: /^\/requests\/([^/]+)$/,
    async handle(exchange, [id]) {
      const record = await exchange.record(id as string);
      if (record === undefined) return;
      const { host } = exchange;
      const view = { params: exchange.params, compact: false };
      const panels = [];
      for (const panel of PAGE_PANELS)
        panels.push({
          id: panel.id,
          title: panel.title,
          template: `panels/${panel.id}`,
          data: await panel.data(record, host, view),
        });
      exchange.page('dashboard/request', {
        basePath: host.basePath,
        record,
        panels,
        headers: Object.entries(record.request.headers).map(([name, value]) => ({ name, value })),
      });
    },
  },
  {
    // The toolbar's first call after the page loads: the settled figures for its badge and its Summary tab.
    path: /^\/api\/requests\/([^/]+)\/toolbar$/,
    async handle(exchange, [id]) {
      const record = await exchange.record(id as string);
      if (record === undefined) return;
      const { host } = exchange;
      const data = summaryPanel(summaryInputFromRecord(record), host.severity);
      exchange.json(200, {
        id: record.id,
        heapDelta: data.heapDelta,
        allocated: data.allocated,
        severity: data.severity,
        summaryHtml: host.templates.render(summary.toolbarTemplate as string, {
          ...data,
          process: processCompact(host.processReport(), host.basePath),
        }),
      });
    },
  },
  {
    // One panel as the toolbar shows it (HTML), loaded when its tab is opened.
    path: /^\/api\/requests\/([^/]+)\/panels\/([a-z-]+)$/,
    async handle(exchange, [id, name]) {
      const panel = panelById(name as string);
      if (panel === undefined) return exchange.notFound('No such panel.');
      const record = await exchange.record(id as string);
      if (record === undefined) return;
      const data = await panel.data(record, exchange.host, { params: exchange.params, compact: true });
      exchange.send(
        200,
        'text/html; charset=utf-8',
        exchange.host.templates.render(panel.toolbarTemplate ?? `panels/${panel.id}`, data),
      );
    },
  },
];
