import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotSide } from '../backends/heap-snapshot/snapshot-files.js';
import { toHeapProfile } from '../export/heapprofile.js';
import { toPprof } from '../export/pprof.js';
import { toSpeedscope } from '../export/speedscope.js';
import { SPEEDSCOPE_CSP, speedscopeDir, speedscopeFile } from '../export/speedscope-app.js';
import { isValidRequestId } from '../ids.js';
import type { IntegrityAudit, ProcessReport } from '../insights/process-insights.js';
import { historyPanel } from '../panels/history.js';
import { historyEntries, parseHistoryFilter } from '../panels/history-filter.js';
import { processCompact, processPanel } from '../panels/process.js';
import { isRequestPanelName, requestPanelData } from '../panels/registry.js';
import { summaryInputFromRecord, summaryPanel } from '../panels/summary.js';
import { editorLink } from '../profile/editor-link.js';
import { flameGraphData, flameGraphDiff, parseHide } from '../profile/flame-graph.js';
import { type FunctionRanking, topFunctions } from '../profile/views.js';
import { crossSiteRefusal } from '../security.js';
import type { Templates } from '../toolbar/templates.js';
import type {
  AllocationProfile,
  FrameKind,
  MemoryBackend,
  ProfileFrame,
  RequestRecord,
  SeverityThresholds,
  Store,
} from '../types.js';
import { compareError, comparePage, parseCompareQuery } from './compare.js';

/** What the dashboard needs from its ramflow instance. */
export interface DashboardHost {
  readonly basePath: string;
  readonly store: Store;
  readonly templates: Templates;
  readonly backend: MemoryBackend;
  readonly severity: Required<SeverityThresholds>;
  /** `.heapsnapshot` downloads are on (`allowHeapSnapshots`). */
  readonly allowHeapSnapshots: boolean;
  /** A request's kept `.heapsnapshot` file, when downloads are on and it has not expired. */
  snapshotFile(id: string, side: SnapshotSide): string | undefined;
  /** The whole-process view (`/api/process`). */
  processReport(): ProcessReport;
  /** Forces a full collection and judges the residual heap (`POST /api/process/audit`). */
  runAudit(): IntegrityAudit;
  /** The per-process token state-changing requests must carry. */
  readonly actionToken: string;
  /** The "open in editor" URL template (`editorUrl`), or false. */
  readonly editorUrl: string | false;
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

const JSON_TYPE = 'application/json; charset=utf-8';

const ASSET_TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

function send(
  res: ServerResponse,
  method: string,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...PAGE_HEADERS, ...extra })) res.setHeader(name, value);
  res.setHeader('content-type', type);
  res.setHeader('content-length', payload.length);
  res.end(method === 'HEAD' ? undefined : payload);
}

function sendJson(res: ServerResponse, method: string, status: number, value: unknown): void {
  send(res, method, status, JSON_TYPE, JSON.stringify(value));
}

/** Downloadable exports of a request's allocation profile, by the last segment of their route. */
const PROFILE_EXPORTS: Record<
  string,
  {
    type: string;
    extension: string;
    body(profile: AllocationProfile, record: RequestRecord): string | Buffer;
  }
> = {
  'profile.heapprofile': {
    type: JSON_TYPE,
    extension: 'heapprofile',
    body: (profile) => toHeapProfile(profile),
  },
  'profile.pb.gz': {
    type: 'application/octet-stream',
    extension: 'pb.gz',
    body: (profile) => toPprof(profile),
  },
  'profile.speedscope.json': {
    type: JSON_TYPE,
    extension: 'speedscope.json',
    body: (profile, record) =>
      JSON.stringify(toSpeedscope(profile, `${record.request.method} ${record.request.url}`)),
  },
};

const FRAME_KINDS: ReadonlySet<string> = new Set<FrameKind>(['app', 'dependency', 'node', 'ramflow']);
const RANKINGS: ReadonlySet<string> = new Set<FunctionRanking>(['self', 'total']);
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** The validated query of `/api/requests/:id/allocations`, or the message of a 400 answer. */
function parseAllocationsQuery(
  search: string,
): { by: FunctionRanking; hide: FrameKind[]; limit: number } | { error: string } {
  const params = new URLSearchParams(search);
  for (const name of ['by', 'hide', 'limit']) {
    if (params.getAll(name).length > 1) return { error: `give "${name}" at most once` };
  }
  const by = params.get('by') ?? 'self';
  if (!RANKINGS.has(by)) return { error: '"by" must be "self" or "total"' };
  const hide: FrameKind[] = [];
  for (const kind of (params.get('hide') ?? '').split(',')) {
    if (kind === '') continue;
    if (!FRAME_KINDS.has(kind))
      return { error: '"hide" must list frame kinds among app, dependency, node, ramflow' };
    if (!hide.includes(kind as FrameKind)) hide.push(kind as FrameKind);
  }
  const limitText = params.get('limit') ?? String(DEFAULT_LIMIT);
  const limit = /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    return { error: `"limit" must be an integer from 1 to ${MAX_LIMIT}` };
  return { by: by as FunctionRanking, hide, limit };
}

/** Why a record has no allocation profile, for 404 answers. */
function noProfileMessage(record: RequestRecord): string {
  return (
    record.allocationsUnavailable ??
    `Request ${record.id} has no allocation profile: the sampling backend did not run for it (backend ${record.backend.name}).`
  );
}

/** Most bytes read of an audit request's form body (it carries only the token). */
const MAX_FORM_BYTES = 1024;

/**
 * `POST /api/process/audit`: forces a full collection and records the verdict. State-changing, so it needs the
 * per-process token, in an `X-Ramflow-Token` header (JSON answer) or in the dashboard form's body (redirect back).
 */
async function handleAudit(
  host: DashboardHost,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
): Promise<void> {
  if (method !== 'POST') {
    send(res, method, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', { allow: 'POST' });
    return;
  }
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
    sendJson(res, method, 403, {
      error: 'forbidden',
      message:
        'State-changing requests need the token from the dashboard (X-Ramflow-Token header or the form).',
    });
    return;
  }
  const audit = host.runAudit();
  if (fromForm) {
    res.statusCode = 303;
    res.setHeader('location', `${host.basePath}/process`);
    res.setHeader('cache-control', 'no-store');
    res.end();
    return;
  }
  sendJson(res, method, 200, audit);
}

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

/** Streams a file download (a `.heapsnapshot` can be hundreds of MB: never read into memory). */
function sendFile(res: ServerResponse, method: string, file: string, filename: string): void {
  const size = statSync(file).size;
  res.statusCode = 200;
  for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/octet-stream');
  res.setHeader('content-length', size);
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
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
  if (method === 'POST') {
    // State-changing: only from ramflow's own pages (or a client that is not a browser), whatever the token.
    const refusal = crossSiteRefusal(req.headers, { sameSite: false });
    if (refusal !== undefined) {
      sendJson(res, method, 403, {
        error: 'forbidden',
        message: `ramflow's actions are only taken from its own pages: ${refusal}.`,
      });
      return;
    }
  }
  if (path === '/api/process/audit') {
    await handleAudit(host, req, res, method);
    return;
  }
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

  const speedscope = /^\/speedscope\/([^/]*)$/.exec(path);
  if (speedscope || path === '/speedscope') {
    if (!speedscope) {
      res.statusCode = 301;
      res.setHeader('location', `${host.basePath}/speedscope/`);
      res.end();
      return;
    }
    const file = speedscopeFile(speedscope[1] as string);
    if (file === undefined)
      return notFound(
        speedscopeDir() === undefined
          ? 'speedscope is not installed: `npm install --save-dev speedscope` and ramflow serves its app here.'
          : 'No such speedscope file.',
      );
    send(res, method, 200, file.type, file.body, {
      'content-security-policy': SPEEDSCOPE_CSP,
      'cache-control': 'no-cache',
    });
    return;
  }

  await host.flush();

  if (path === '/' || path === '/requests' || path === '/requests/') {
    const parsed = parseHistoryFilter(query < 0 ? '' : url.slice(query + 1));
    const entries = await historyEntries(host.store, await host.store.list());
    send(
      res,
      method,
      200,
      'text/html; charset=utf-8',
      host.templates.render('dashboard/history', {
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
      }),
    );
    return;
  }
  if (path === '/compare') {
    const ids = parseCompareQuery(query < 0 ? '' : url.slice(query + 1));
    const data =
      'error' in ids
        ? compareError(host.basePath, ids.error)
        : comparePage(await host.store.get(ids.a), await host.store.get(ids.b), ids, host.basePath);
    send(
      res,
      method,
      data.status,
      'text/html; charset=utf-8',
      host.templates.render('dashboard/compare', data),
    );
    return;
  }
  if (path === '/api/process') {
    sendJson(res, method, 200, host.processReport());
    return;
  }
  if (path === '/process') {
    send(
      res,
      method,
      200,
      'text/html; charset=utf-8',
      host.templates.render('dashboard/process', {
        basePath: host.basePath,
        token: host.actionToken,
        panel: processPanel(host.processReport()),
      }),
    );
    return;
  }
  if (path === '/api/backend') {
    sendJson(res, method, 200, {
      name: host.backend.name,
      reason: host.backend.reason,
      stats: host.backend.stats?.() ?? null,
    });
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
      summaryHtml: host.templates.render('fragments/summary', {
        ...summary,
        process: processCompact(host.processReport(), host.basePath),
      }),
    });
    return;
  }
  const panelRoute = /^\/api\/requests\/([^/]+)\/panels\/([a-z-]+)$/.exec(path);
  if (panelRoute) {
    const id = panelRoute[1] as string;
    const name = panelRoute[2] as string;
    if (!isRequestPanelName(name)) return notFound('No such panel.');
    if (!isValidRequestId(id)) return notFound('That is not a ramflow request id.');
    const record = await host.store.get(id);
    if (record === undefined)
      return notFound(`No record for request ${id}: it may have been evicted from the bounded history.`);
    const params = new URLSearchParams(query < 0 ? '' : url.slice(query + 1));
    const data = await requestPanelData(host, record, name, params, true);
    const template = name === 'summary' ? 'fragments/summary' : `panels/${name}`;
    send(res, method, 200, 'text/html; charset=utf-8', host.templates.render(template, data));
    return;
  }
  const flameRoute = /^\/api\/requests\/([^/]+)\/flamegraph\.json$/.exec(path);
  if (flameRoute || path === '/api/compare/flamegraph.json') {
    const params = new URLSearchParams(query < 0 ? '' : url.slice(query + 1));
    const options = {
      hide: parseHide(params.get('hide')),
      editorLink: (frame: ProfileFrame) => editorLink(frame, host.editorUrl),
    };
    const ids = flameRoute ? [flameRoute[1] as string] : [params.get('a') ?? '', params.get('b') ?? ''];
    const profiles: AllocationProfile[] = [];
    for (const id of ids) {
      if (!isValidRequestId(id)) return notFound('That is not a ramflow request id.');
      const record = await host.store.get(id);
      if (record === undefined)
        return notFound(`No record for request ${id}: it may have been evicted from the bounded history.`);
      if (record.allocations === undefined) return notFound(noProfileMessage(record));
      profiles.push(record.allocations);
    }
    const [first, second] = profiles as [AllocationProfile, AllocationProfile | undefined];
    sendJson(
      res,
      method,
      200,
      second === undefined
        ? { id: ids[0], ...flameGraphData(first, options) }
        : { a: ids[0], b: ids[1], ...flameGraphDiff(first, second, options) },
    );
    return;
  }
  const profileRoute =
    /^\/api\/requests\/([^/]+)\/(profile\.heapprofile|profile\.pb\.gz|profile\.speedscope\.json|allocations)$/.exec(
      path,
    );
  if (profileRoute) {
    const id = profileRoute[1] as string;
    const route = profileRoute[2] as string;
    const allocationsQuery =
      route === 'allocations' ? parseAllocationsQuery(query < 0 ? '' : url.slice(query + 1)) : undefined;
    if (allocationsQuery !== undefined && 'error' in allocationsQuery) {
      sendJson(res, method, 400, { error: 'bad_request', message: allocationsQuery.error });
      return;
    }
    if (!isValidRequestId(id)) return notFound('That is not a ramflow request id.');
    const record = await host.store.get(id);
    if (record === undefined)
      return notFound(`No record for request ${id}: it may have been evicted from the bounded history.`);
    const profile = record.allocations;
    if (profile === undefined) return notFound(noProfileMessage(record));
    if (allocationsQuery !== undefined) {
      const { by, hide, limit } = allocationsQuery;
      sendJson(res, method, 200, {
        id: record.id,
        view: profile.view,
        totalBytes: profile.totalBytes,
        samplingInterval: profile.samplingInterval,
        sampleCount: profile.sampleCount,
        by,
        hide,
        limit,
        rows: topFunctions(profile, { by, hide: new Set(hide), limit }),
      });
      return;
    }
    const format = PROFILE_EXPORTS[route];
    if (format === undefined) return notFound('No such export.');
    send(res, method, 200, format.type, format.body(profile, record), {
      'content-disposition': `attachment; filename="ramflow-${record.id}.${format.extension}"`,
    });
    return;
  }
  const heapRoute = /^\/api\/requests\/([^/]+)\/(heap\.json|before\.heapsnapshot|after\.heapsnapshot)$/.exec(
    path,
  );
  if (heapRoute) {
    const id = heapRoute[1] as string;
    const route = heapRoute[2] as string;
    if (!isValidRequestId(id)) return notFound('That is not a ramflow request id.');
    const record = await host.store.get(id);
    if (record === undefined)
      return notFound(`No record for request ${id}: it may have been evicted from the bounded history.`);
    if (record.heap === undefined)
      return notFound(
        record.heapUnavailable ??
          `Request ${id} has no heap snapshots: ask for them with ?ramflow=snapshot or an X-Ramflow-Backend: heap-snapshot header.`,
      );
    if (route === 'heap.json') {
      send(
        res,
        method,
        200,
        JSON_TYPE,
        JSON.stringify({ id: record.id, request: record.request, heap: record.heap }),
        {
          'content-disposition': `attachment; filename="ramflow-${record.id}-heap.json"`,
        },
      );
      return;
    }
    if (!host.allowHeapSnapshots)
      return notFound(
        'Heap snapshot downloads are off: snapshots contain everything on the heap, secrets included. Start ramflow with allowHeapSnapshots: true to keep them.',
      );
    const side = route.slice(0, route.indexOf('.')) as SnapshotSide;
    const file = host.snapshotFile(id, side);
    if (file === undefined)
      return notFound(
        `The ${side} snapshot of request ${id} is gone: ramflow keeps the last few for a few minutes.`,
      );
    sendFile(res, method, file, `ramflow-${record.id}-${side}.heapsnapshot`);
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
    const params = new URLSearchParams(query < 0 ? '' : url.slice(query + 1));
    const panels: Record<string, unknown> = {};
    for (const name of ['summary', 'allocations', 'flame-graph', 'heap-objects', 'downloads'] as const)
      panels[name] = await requestPanelData(host, record, name, params, false);
    send(
      res,
      method,
      200,
      'text/html; charset=utf-8',
      host.templates.render('dashboard/request', {
        basePath: host.basePath,
        record,
        panels,
        headers: Object.entries(record.request.headers).map(([name, value]) => ({ name, value })),
      }),
    );
    return;
  }
  notFound('No such ramflow page.');
}
