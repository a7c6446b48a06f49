import { LogController } from 'fastify';
import { listeningLine, readExampleEnvironment } from '../../shared/env.js';
import { installSoakProbe } from '../../shared/soak-probe.js';
import { buildApp } from './app.js';

const environment = readExampleEnvironment();
const { port, host } = environment;
installSoakProbe();

const app = await buildApp({
  ramflow: environment.ramflow,
  // ramflow logs through Fastify's logger (its backend choice, refused clients); Fastify's two lines per request
  // would drown that out, and cost the benchmark.
  fastify: { logger: { level: 'info' }, logController: new LogController({ disableRequestLogging: true }) },
});
await app.listen({ port, host });
console.log(listeningLine('Fastify', environment, port));
const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
