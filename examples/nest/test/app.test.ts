import {
  type ConformanceRoute,
  type ConformanceServer,
  defineAdapterConformanceSuite,
} from '@ramflow/core/testing';
import { RamflowModule } from '@ramflow/nest';
import { FixtureController, listen, routesController } from '../../../packages/nest/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { type BuildAppOptions, buildApp } from '../src/app.js';

/** The conformance fixture routes and the test's own, beside the example's. */
class FixturesModule {}

async function serve(
  options: BuildAppOptions,
  routes: readonly ConformanceRoute[] = [],
): Promise<ConformanceServer> {
  const fixturesModule = {
    module: FixturesModule,
    controllers: [FixtureController, routesController(routes)],
  };
  const app = await buildApp({ logger: false, imports: [fixturesModule], ...options });
  const server = await listen(app);
  return { ...server, ramflow: options.ramflow === false ? undefined : app.get(RamflowModule).ramflow };
}

for (const platform of ['express', 'fastify'] as const) {
  defineAdapterConformanceSuite({
    name: `examples/nest (${platform})`,
    createServer: ({ ramflow, trustProxy = false, routes }) =>
      serve({ platform, ramflow, trustProxy }, routes),
  });
  defineExampleScenarioSuite({
    name: `examples/nest (${platform})`,
    framework: 'NestJS',
    createServer: (ramflow) => serve({ platform, ramflow }),
  });
}
