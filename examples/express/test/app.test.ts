import type { Ramflow } from '@ramflow/core';
import { type ConformanceServer, defineAdapterConformanceSuite } from '@ramflow/core/testing';
import { installFixtureRoutes, listen } from '../../../packages/express/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { buildApp } from '../src/app.js';

async function serve(
  options: Parameters<typeof buildApp>[0],
  trustProxy = false,
): Promise<ConformanceServer> {
  const app = buildApp(options);
  if (trustProxy) app.set('trust proxy', true);
  installFixtureRoutes(app);
  return listen(app, async () => {
    await (app.locals.ramflow as Ramflow | undefined)?.close();
  });
}

defineAdapterConformanceSuite({
  name: 'examples/express',
  createServer: ({ ramflow, trustProxy }) => serve({ ramflow }, trustProxy),
});

defineExampleScenarioSuite({
  name: 'examples/express',
  framework: 'Express',
  createServer: (ramflow) => serve({ ramflow }),
});
