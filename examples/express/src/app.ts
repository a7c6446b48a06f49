import { type RamflowOptions, ramflow } from '@ramflow/express';
import express, { type Express } from 'express';
import { renderHomePage } from '../../shared/page.js';
import { buildReport, retainChunk } from '../../shared/scenario.js';

export interface BuildAppOptions {
  /** ramflow's options, or false to run without it. */
  ramflow?: RamflowOptions | false;
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

  app.get('/', (_req, res) => {
    res.type('html').send(renderHomePage('Express'));
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
