import { type ConformanceServer, defineAdapterConformanceSuite } from '@ramflow/core/testing';
import { fixtureRoutes, listen } from '../../../packages/koa/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { buildApp } from '../src/app.js';

async function serve(
  options: Parameters<typeof buildApp>[0],
  trustProxy = false,
): Promise<ConformanceServer> {
  const app = buildApp(options);
  if (trustProxy) app.proxy = true;
  // The example's routes fall through to later middleware, so the fixture routes mount after them.
  app.use(fixtureRoutes());
  return listen(app, async () => {
    await app.ramflow?.close();
  });
}

defineAdapterConformanceSuite({
  name: 'examples/koa',
  createServer: ({ ramflow, trustProxy }) => serve({ ramflow }, trustProxy),
});

defineExampleScenarioSuite({
  name: 'examples/koa',
  framework: 'Koa',
  createServer: (ramflow) => serve({ ramflow }),
});
