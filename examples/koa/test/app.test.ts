import {
  type ConformanceRoute,
  type ConformanceServer,
  defineAdapterConformanceSuite,
} from '@ramflow/core/testing';
import { fixtureRoutes, listen, routeMiddleware } from '../../../packages/koa/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { buildApp } from '../src/app.js';

async function serve(
  options: Parameters<typeof buildApp>[0],
  trustProxy = false,
  routes: readonly ConformanceRoute[] = [],
): Promise<ConformanceServer> {
  const app = buildApp(options);
  if (trustProxy) app.proxy = true;
  // The example's routes fall through to later middleware, so the fixture routes mount after them.
  app.use(fixtureRoutes());
  app.use(routeMiddleware(routes));
  const server = await listen(app, async () => {
    await app.ramflow?.close();
  });
  return { ...server, ramflow: app.ramflow };
}

defineAdapterConformanceSuite({
  name: 'examples/koa',
  createServer: ({ ramflow, trustProxy, routes }) => serve({ ramflow }, trustProxy, routes),
});

defineExampleScenarioSuite({
  name: 'examples/koa',
  framework: 'Koa',
  createServer: (ramflow) => serve({ ramflow }),
});
