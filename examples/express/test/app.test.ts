import type { Ramflow } from '@ramflow/core';
import {
  type ConformanceRoute,
  type ConformanceServer,
  defineAdapterConformanceSuite,
} from '@ramflow/core/testing';
import {
  installFixtureRoutes,
  installRoutes,
  listen,
} from '../../../packages/express/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { buildApp } from '../src/app.js';

async function serve(
  options: Parameters<typeof buildApp>[0],
  trustProxy = false,
  routes: readonly ConformanceRoute[] = [],
): Promise<ConformanceServer> {
  const app = buildApp(options);
  if (trustProxy) app.set('trust proxy', true);
  installFixtureRoutes(app);
  installRoutes(app, routes);
  const ramflow = app.locals.ramflow as Ramflow | undefined;
  const server = await listen(app, async () => {
    await ramflow?.close();
  });
  return { ...server, ramflow };
}

defineAdapterConformanceSuite({
  name: 'examples/express',
  createServer: ({ ramflow, trustProxy, routes }) => serve({ ramflow }, trustProxy, routes),
});

defineExampleScenarioSuite({
  name: 'examples/express',
  framework: 'Express',
  createServer: (ramflow) => serve({ ramflow }),
});
