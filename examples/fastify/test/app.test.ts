import {
  type ConformanceRoute,
  type ConformanceServer,
  defineAdapterConformanceSuite,
} from '@ramflow/core/testing';
import {
  installFixtureRoutes,
  installRoutes,
  listen,
} from '../../../packages/fastify/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { type BuildAppOptions, buildApp } from '../src/app.js';

async function serve(
  options: BuildAppOptions,
  routes: readonly ConformanceRoute[] = [],
): Promise<ConformanceServer> {
  const app = await buildApp(options);
  installFixtureRoutes(app);
  installRoutes(app, routes);
  const server = await listen(app);
  return { ...server, ramflow: options.ramflow === false ? undefined : app.ramflow };
}

defineAdapterConformanceSuite({
  name: 'examples/fastify',
  createServer: ({ ramflow, trustProxy, routes }) =>
    serve({ ramflow, fastify: { trustProxy: trustProxy ?? false } }, routes),
});

defineExampleScenarioSuite({
  name: 'examples/fastify',
  framework: 'Fastify',
  createServer: (ramflow) => serve({ ramflow }),
});
