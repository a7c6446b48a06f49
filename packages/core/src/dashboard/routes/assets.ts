import { SPEEDSCOPE_CSP, speedscopeDir, speedscopeFile } from '../../export/speedscope-app.js';
import type { Route } from './route.js';

const ASSET_TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/** The toolbar's and dashboard's CSS and scripts, and the speedscope app when it is installed. */
export const assetRoutes: readonly Route[] = [
  {
    path: /^\/assets\/([a-z0-9-]+\.(css|js))$/,
    settle: false,
    handle(exchange, [name, extension]) {
      const body = exchange.host.templates.asset(name as string);
      if (body === undefined) return exchange.notFound('No such asset.');
      exchange.send(200, ASSET_TYPES[extension as string] as string, body, { 'cache-control': 'no-cache' });
    },
  },
  {
    path: '/speedscope',
    settle: false,
    handle(exchange) {
      exchange.res.statusCode = 301;
      exchange.res.setHeader('location', `${exchange.host.basePath}/speedscope/`);
      exchange.res.end();
    },
  },
  {
    path: /^\/speedscope\/([^/]*)$/,
    settle: false,
    handle(exchange, [name]) {
      const file = speedscopeFile(name as string);
      if (file === undefined)
        return exchange.notFound(
          speedscopeDir() === undefined
            ? 'speedscope is not installed: `npm install --save-dev speedscope` and ramflow serves its app here.'
            : 'No such speedscope file.',
        );
      exchange.send(200, file.type, file.body, {
        'content-security-policy': SPEEDSCOPE_CSP,
        'cache-control': 'no-cache',
      });
    },
  },
];
