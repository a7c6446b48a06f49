import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type RamflowOptions, ramflow } from '@ramflow/express';
import express, { type Express } from 'express';
import { buildReport, retainChunk } from './scenario.js';

export interface BuildAppOptions {
  /** ramflow's options, or false to run without it. */
  ramflow?: RamflowOptions | false;
}

const viewsDir = fileURLToPath(new URL('../views', import.meta.url));

/** A tiny template engine: `{{name}}` replaced by HTML-escaped values. */
function renderTemplate(path: string, data: Record<string, unknown>): string {
  const escapeHtml = (value: unknown) =>
    String(value).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
    );
  return readFileSync(path, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) =>
    escapeHtml(data[key] ?? ''),
  );
}

/** The demo app: `/`, `/api/report`, `/leak`, `/stream`. */
export function buildApp(options: BuildAppOptions = {}): Express {
  const app = express();
  if (options.ramflow !== false) {
    const middleware = ramflow(options.ramflow ?? {});
    // Kept for tests and graceful shutdown: `app.locals.ramflow.close()`.
    app.locals.ramflow = middleware.ramflow;
    app.use(middleware);
  }

  app.engine('html', (path, data, callback) => {
    try {
      callback(null, renderTemplate(path, data as Record<string, unknown>));
    } catch (error) {
      callback(error as Error);
    }
  });
  app.set('views', viewsDir);
  app.set('view engine', 'html');

  app.get('/', (_req, res) => {
    const items = Array.from({ length: 500 }, (_, i) => ({ i, label: `row ${i}` }));
    res.render('index', {
      title: 'ramflow demo',
      framework: 'Express',
      renderedAt: new Date().toISOString(),
      itemCount: items.length,
    });
  });
  app.get('/api/report', (_req, res) => {
    res.json(buildReport());
  });
  app.get('/leak', (_req, res) => {
    const chunks = retainChunk();
    res.json({ retainedChunks: chunks, retainedApproxBytes: chunks * 131_072 * 8 });
  });
  app.get('/stream', (_req, res) => {
    res.type('text/plain; charset=utf-8');
    let n = 0;
    const tick = () => {
      res.write(`line ${n}\n`);
      if (++n < 5) setTimeout(tick, 20);
      else res.end('done\n');
    };
    tick();
  });
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.get('/api/ping', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}
