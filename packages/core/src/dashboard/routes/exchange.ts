import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotSide } from '../../backends/heap-snapshot/snapshot-files.js';
import { isValidRequestId } from '../../ids.js';
import type { PanelContext } from '../../panels/panel.js';
import type { Templates } from '../../toolbar/templates.js';
import type { IntegrityAudit, MemoryBackend, ProcessReport, RequestRecord } from '../../types.js';

/** What the dashboard needs from its ramflow instance. */
export interface DashboardHost extends PanelContext {
  readonly templates: Templates;
  readonly backend: MemoryBackend;
  /** A request's kept `.heapsnapshot` file, when downloads are on and it has not expired. */
  snapshotFile(id: string, side: SnapshotSide): string | undefined;
  /** The whole-process view (`/api/process`). */
  processReport(): ProcessReport;
  /** Forces a full collection and judges the residual heap (`POST /api/process/audit`). */
  runAudit(): IntegrityAudit;
  /** The per-process token state-changing requests must carry. */
  readonly actionToken: string;
  flush(): Promise<void>;
}

// ramflow's own pages run nothing inline and load only their own assets.
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';

/**
 * One request to the dashboard: what was asked (method, path below `basePath`, query) and the ways to answer it.
 * Every answer carries PAGE_HEADERS; HEAD gets the headers without the body.
 */
export class Exchange {
  readonly method: string;
  /** The path below `basePath`, `/` for the base itself. */
  readonly path: string;
  /** The query string, without `?`. */
  readonly search: string;

  constructor(
    readonly host: DashboardHost,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    url: string,
  ) {
    this.method = req.method ?? 'GET';
    const query = url.indexOf('?');
    this.path = (query < 0 ? url : url.slice(0, query)).slice(host.basePath.length) || '/';
    this.search = query < 0 ? '' : url.slice(query + 1);
  }

  get params(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  send(status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const { res } = this;
    res.statusCode = status;
    for (const [name, value] of Object.entries({ ...PAGE_HEADERS, ...extra })) res.setHeader(name, value);
    res.setHeader('content-type', type);
    res.setHeader('content-length', payload.length);
    res.end(this.method === 'HEAD' ? undefined : payload);
  }

  json(status: number, value: unknown): void {
    this.send(status, JSON_TYPE, JSON.stringify(value));
  }

  /** Renders one of the dashboard's templates as the answer. */
  page(template: string, data: unknown, status = 200): void {
    this.send(status, HTML_TYPE, this.host.templates.render(template, data));
  }

  /** A redirect (`Location` relative to this server). */
  redirect(status: 301 | 303, location: string): void {
    this.res.statusCode = status;
    this.res.setHeader('location', location);
    this.res.setHeader('cache-control', 'no-store');
    this.res.end();
  }

  methodNotAllowed(allow: string): void {
    this.send(405, TEXT_TYPE, 'Method Not Allowed', { allow });
  }

  /** 404 with the reason: JSON under `/api/`, the dashboard's not-found page elsewhere. */
  notFound(message: string): void {
    if (this.path.startsWith('/api/')) this.json(404, { error: 'not_found', message });
    else this.page('dashboard/not-found', { basePath: this.host.basePath, message }, 404);
  }

  /**
   * The stored record of request `id`, or undefined after answering 404 with why there is none (not an id, or
   * evicted from the bounded history).
   */
  async record(id: string): Promise<RequestRecord | undefined> {
    if (!isValidRequestId(id)) {
      this.notFound('That is not a ramflow request id.');
      return undefined;
    }
    const record = await this.host.store.get(id);
    if (record === undefined)
      this.notFound(`No record for request ${id}: it may have been evicted from the bounded history.`);
    return record;
  }

  /** Streams a file download (a `.heapsnapshot` can be hundreds of MB: never read into memory). */
  file(file: string, filename: string): void {
    const { res } = this;
    const size = statSync(file).size;
    res.statusCode = 200;
    for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', size);
    res.setHeader('content-disposition', `attachment; filename="${filename}"`);
    if (this.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
