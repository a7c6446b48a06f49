import 'reflect-metadata';
import { listeningLine, readExampleEnvironment } from '../../shared/env.js';
import { installSoakProbe } from '../../shared/soak-probe.js';
import { buildApp } from './app.js';

const environment = readExampleEnvironment();
const { port, host } = environment;
installSoakProbe();
const platform = process.env.NEST_PLATFORM ?? 'express';
if (platform !== 'express' && platform !== 'fastify') {
  console.error(`NEST_PLATFORM must be "express" or "fastify", got "${platform}".`);
  process.exit(1);
}

const app = await buildApp({
  platform,
  ramflow: environment.ramflow,
});
await app.listen(port, host);
// The port actually bound (PORT=0 picks a free one).
const bound = (app.getHttpServer().address() as { port: number }).port;
console.log(listeningLine(`NestJS (${platform})`, environment, bound));
const stop = () => {
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
