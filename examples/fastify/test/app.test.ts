import { type ConformanceServer, defineAdapterConformanceSuite } from '@ramflow/core/testing';
import { installFixtureRoutes, listen } from '../../../packages/fastify/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { type BuildAppOptions, buildApp } from '../src/app.js';

async function serve(options: BuildAppOptions): Promise<ConformanceServer> {
  const app = await buildApp(options);
  installFixtureRoutes(app);
  return listen(app);
}

defineAdapterConformanceSuite({
  name: 'examples/fastify',
  createServer: ({ ramflow, trustProxy }) => serve({ ramflow, fastify: { trustProxy: trustProxy ?? false } }),
});

defineExampleScenarioSuite({
  name: 'examples/fastify',
  framework: 'Fastify',
  createServer: (ramflow) => serve({ ramflow }),
});
