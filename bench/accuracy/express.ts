// The accuracy suite's Express server (bench/accuracy.mjs): the corpus of routes.ts with ramflow (ACC_MODE
// unset) or with the truth probe in ramflow's place (ACC_MODE=truth). Listens on 127.0.0.1, port 0.
import type { AddressInfo } from 'node:net';
import { ramflow } from '@ramflow/express';
import express from 'express';
import { accuracyMode, listening, ramflowOptions, TRUTH_PATH, TruthProbe } from './probe.js';
import { ROUTES } from './routes.js';

const mode = accuracyMode();
const app = express();
if (mode === 'truth') {
  const probe = new TruthProbe();
  app.use((req, res, next) => {
    probe.watch(req, res);
    next();
  });
  app.get(`${TRUTH_PATH}*action`, (req, res, next) => {
    probe.answer(req.originalUrl).then((body) => res.json(body), next);
  });
} else {
  app.use(ramflow(ramflowOptions()));
}
for (const route of ROUTES) {
  app.get(route.path, (_req, res, next) => {
    const send = (body: unknown) => {
      if (route.type === 'html') res.type('html').send(body as string);
      else res.json(body);
    };
    const body = route.handler();
    if (body instanceof Promise) body.then(send, next);
    else send(body);
  });
}
const server = app.listen(0, '127.0.0.1', () => {
  listening('express', mode, (server.address() as AddressInfo).port);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
