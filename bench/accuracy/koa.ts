// The accuracy suite's Koa server (bench/accuracy.mjs): the corpus of routes.ts with ramflow (ACC_MODE unset)
// or with the truth probe in ramflow's place (ACC_MODE=truth). Listens on 127.0.0.1, port 0.
import type { AddressInfo } from 'node:net';
import { ramflow } from '@ramflow/koa';
import Koa from 'koa';
import { accuracyMode, listening, ramflowOptions, TruthProbe } from './probe.js';
import { ROUTES } from './routes.js';

const mode = accuracyMode();
const app = new Koa();
const probe = mode === 'truth' ? new TruthProbe() : undefined;
if (probe) {
  app.use(async (ctx, next) => {
    if (TruthProbe.skips(ctx.url)) {
      ctx.body = await probe.answer(ctx.url);
      return;
    }
    probe.watch(ctx.req, ctx.res);
    await next();
  });
}
const middleware = probe ? undefined : ramflow(ramflowOptions());
if (middleware) app.use(middleware);
const routes = new Map(ROUTES.map((route) => [route.path, route]));
app.use((ctx, next) => {
  const route = ctx.method === 'GET' ? routes.get(ctx.path) : undefined;
  if (route === undefined) return next();
  if (route.type === 'html') ctx.type = 'html';
  const body = route.handler();
  if (body instanceof Promise)
    return body.then((value) => {
      ctx.body = value;
    });
  ctx.body = body;
});
const server = app.listen(0, '127.0.0.1', () => {
  listening('koa', mode, (server.address() as AddressInfo).port);
});
const stop = () =>
  server.close(() => {
    Promise.resolve(middleware?.ramflow.close()).finally(() => process.exit(0));
  });
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
