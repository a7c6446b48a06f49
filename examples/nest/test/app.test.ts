import { type ConformanceServer, defineAdapterConformanceSuite } from '@ramflow/core/testing';
import { FixtureController, listen } from '../../../packages/nest/test/conformance-app.js';
import { defineExampleScenarioSuite } from '../../shared/scenario-suite.js';
import { type BuildAppOptions, buildApp } from '../src/app.js';

/** The conformance fixture routes, beside the example's own. */
class FixturesModule {}
const fixturesModule = { module: FixturesModule, controllers: [FixtureController] };

async function serve(options: BuildAppOptions): Promise<ConformanceServer> {
  return listen(await buildApp({ logger: false, imports: [fixturesModule], ...options }));
}

for (const platform of ['express', 'fastify'] as const) {
  defineAdapterConformanceSuite({
    name: `examples/nest (${platform})`,
    createServer: ({ ramflow, trustProxy = false }) => serve({ platform, ramflow, trustProxy }),
  });
  defineExampleScenarioSuite({
    name: `examples/nest (${platform})`,
    framework: 'NestJS',
    createServer: (ramflow) => serve({ platform, ramflow }),
  });
}
