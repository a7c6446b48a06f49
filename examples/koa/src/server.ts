import { listeningLine, readExampleEnvironment } from '../../shared/env.js';
import { installSoakProbe } from '../../shared/soak-probe.js';
import { buildApp } from './app.js';

const environment = readExampleEnvironment();
const { port, host } = environment;
installSoakProbe();

const app = buildApp({
  ramflow: environment.ramflow,
});
const server = app.listen(port, host, () => {
  console.log(listeningLine('Koa', environment, port));
});
const stop = () =>
  server.close(() => {
    Promise.resolve(app.ramflow?.close()).finally(() => process.exit(0));
  });
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
