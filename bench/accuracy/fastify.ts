// The accuracy suite's Fastify server (bench/accuracy.mjs): the corpus of routes.ts with ramflow (ACC_MODE
// unset) or with the truth probe in ramflow's place (ACC_MODE=truth). Listens on 127.0.0.1, port 0.
import type { AddressInfo } from 'node:net';
import { ramflowToolbar } from '@ramflow/fastify';
import Fastify from 'fastify';
import { accuracyMode, listening, ramflowOptions, TRUTH_PATH, TruthProbe } from './probe.js';
import { ROUTES } from './routes.js';

const mode = accuracyMode();
const app = Fastify();
if (mode === 'truth') {
  const probe = new TruthProbe();
  type Open = ReturnType<TruthProbe['open']>;
  const windows = new WeakMap<object, Open>();
  // Where ramflow's plugin opens its window (onRequest), takes its header-time figures (onSend) and closes it
  // (onResponse).
  app.addHook('onRequest', (request, _reply, done) => {
    if (!TruthProbe.skips(request.url)) windows.set(request, probe.open(request.url));
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    const window = windows.get(request);
    if (window) probe.headers(window);
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const window = windows.get(request);
    if (window) probe.close(window);
    done();
  });
  app.get(`${TRUTH_PATH}*`, (request) => probe.answer(request.url));
} else {
  await app.register(ramflowToolbar, ramflowOptions());
}
for (const route of ROUTES) {
  app.get(route.path, async (_request, reply) => {
    if (route.type === 'html') reply.type('text/html; charset=utf-8');
    return route.handler();
  });
}
await app.listen({ port: 0, host: '127.0.0.1' });
listening('fastify', mode, (app.server.address() as AddressInfo).port);
const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
