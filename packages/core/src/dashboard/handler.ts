import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidRequestId } from '../ids.js';
import type { Templates } from '../templates.js';
import {
  badgeAllocated,
  badgeHeapDelta,
  severityOf,
  summaryInputFromRecord,
  summaryPanel,
} from '../toolbar/panels/summary.js';
import type { MemoryBackend, RecordSummary, SeverityThresholds, Store } from '../types.js';

/** What the dashboard needs from its ramflow instance. */
export interface DashboardHost {
  readonly basePath: string;
  readonly store: Store;
  readonly templates: Templates;
  readonly backend: MemoryBackend;
  readonly severity: Required<SeverityThresholds>;
  flush(): Promise<void>;
}

// ramflow's own pages run nothing inline and load only their own assets.
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

const ASSET_TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

function send(
  res: ServerResponse,
  method: string,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  const payload = Buffer.from(body, 'utf8');
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...PAGE_HEADERS, ...extra })) res.setHeader(name, value);
  res.setHeader('content-type', type);
  res.setHeader('content-length', payload.length);
  res.end(method === 'HEAD' ? undefined : payload);
}

function sendJson(res: ServerResponse, method: string, status: number, value: unknown): void {
  send(res, method, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function timeOf(iso: string): string {
  return iso.slice(11, 23);
}

/**
 * Serves `basePath`: the history page, a page per request, the JSON API and the toolbar's assets. Framework
 * neutral (node:http request/response); the caller has already checked that the client is allowed.
 */
export async function handleDashboard(
  host: DashboardHost,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const query = url.indexOf('?');
  const path = (query < 0 ? url : url.slice(0, query)).slice(host.basePath.length) || '/';
  const notFound = (message: string) => {
    if (path.startsWith('/api/')) sendJson(res, method, 404, { error: 'not_found', message });
    else
      send(
        res,
        method,
        404,
        'text/html; charset=utf-8',
        host.templates.render('dashboard/not-found', { basePath: host.basePath, message }),
      );
  };
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, method, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', { allow: 'GET, HEAD' });
    return;
  }

  const asset = /^\/assets\/([a-z0-9-]+\.(css|js))$/.exec(path);
  if (asset) {
    const body = host.templates.asset(asset[1] as string);
    if (body === undefined) return notFound('No such asset.');
    send(res, method, 200, ASSET_TYPES[asset[2] as string] as string, body, { 'cache-control': 'no-cache' });
    return;
  }

  await host.flush();

  if (path === '/' || path === '/requests' || path === '/requests/') {
    const summaries = await host.store.list();
    send(
      res,
      method,
      200,
      'text/html; charset=utf-8',
      host.templates.render('dashboard/history', {
        basePath: host.basePath,
        backendName: host.backend.name,
        backendReason: host.backend.reason,
        requests: summaries.map((summary) => historyRow(summary, host.severity)),
      }),
    );
    return;
  }
  if (path === '/api/requests') {
    sendJson(res, method, 200, { requests: await host.store.list() });
    return;
  }
  const toolbar = /^\/api\/requests\/([^/]+)\/toolbar$/.exec(path);
  if (toolbar) {
    const id = toolbar[1] as string;
    const record = isValidRequestId(id) ? await host.store.get(id) : undefined;
    if (record === undefined) return notFound('No such request record.');
    const summary = summaryPanel(summaryInputFromRecord(record), host.severity);
    sendJson(res, method, 200, {
      id: record.id,
      heapDelta: summary.heapDelta,
      allocated: summary.allocated,
      severity: summary.severity,
      summaryHtml: host.templates.render('fragments/summary', summary),
    });
    return;
  }
  const api = /^\/api\/requests\/([^/]+)$/.exec(path);
  const page = /^\/requests\/([^/]+)$/.exec(path);
  const id = (api ?? page)?.[1];
  if (id !== undefined) {
    if (!isValidRequestId(id)) return notFound('That is not a ramflow request id.');
    const record = await host.store.get(id);
    if (record === undefined)
      return notFound(`No record for request ${id}: it may have been evicted from the bounded history.`);
    if (api) {
      sendJson(res, method, 200, record);
      return;
    }
    send(
      res,
      method,
      200,
      'text/html; charset=utf-8',
      host.templates.render('dashboard/request', {
        basePath: host.basePath,
        record,
        summary: summaryPanel(summaryInputFromRecord(record), host.severity),
        headers: Object.entries(record.request.headers).map(([name, value]) => ({ name, value })),
      }),
    );
    return;
  }
  notFound('No such ramflow page.');
}

function historyRow(summary: RecordSummary, severity: Required<SeverityThresholds>) {
  return {
    ...summary,
    time: timeOf(summary.startedAt),
    heapDelta: badgeHeapDelta(summary),
    allocated: badgeAllocated({ allocatedBytes: summary.allocatedBytes }),
    severity: severityOf(summary.heapDeltaBytes, severity),
  };
}
