// The accuracy suite's Nest server on the Express platform (bench/accuracy.mjs): the corpus of routes.ts with
// ramflow (`RamflowModule.forRoot`, ACC_MODE unset) or with the truth probe in ramflow's place (ACC_MODE=truth),
// registered the way RamflowModule registers ramflow: in a module's `configure`, on the platform's Express
// instance. Listens on 127.0.0.1, port 0.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Controller, type DynamicModule, Get, Header, Inject, type NestModule } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { RamflowModule } from '@ramflow/nest';
import type { Express } from 'express';
import { accuracyMode, listening, ramflowOptions, TRUTH_PATH, TruthProbe } from './probe.js';
import { ROUTES } from './routes.js';

const mode = accuracyMode();
const probe = mode === 'truth' ? new TruthProbe() : undefined;

/** Every route of the corpus, as methods `r0`, `r1`, … of one controller. */
class AccuracyController {
  [key: string]: unknown;
}
// Nest's decorators are legacy ones and tsx compiles `@Get()` as a standard decorator (see
// examples/nest/src/app.ts): they are applied as the calls TypeScript would emit.
function decorate(key: string, value: (...args: never[]) => unknown, ...decorators: MethodDecorator[]): void {
  Object.defineProperty(AccuracyController.prototype, key, { value, writable: true, configurable: true });
  const descriptor = Object.getOwnPropertyDescriptor(AccuracyController.prototype, key);
  Reflect.decorate(decorators, AccuracyController.prototype, key, descriptor);
}
ROUTES.forEach((route, i) => {
  const decorators = [Get(route.path)];
  if (route.type === 'html') decorators.push(Header('Content-Type', 'text/html; charset=utf-8'));
  decorate(`r${i}`, () => route.handler(), ...decorators);
});
Controller()(AccuracyController);

/** The truth probe, where RamflowModule puts ramflow: the platform's Express instance, from `configure`. */
class ProbeModule implements NestModule {
  constructor(readonly adapterHost: HttpAdapterHost) {}
  configure(): void {
    const instance = this.adapterHost.httpAdapter.getInstance<Express>();
    instance.use((req, res, next) => {
      probe?.watch(req, res);
      next();
    });
    // The probe's own routes, on the instance too (before Nest's router, which `init` registers after this).
    instance.get(`${TRUTH_PATH}*action`, (req, res, next) => {
      probe?.answer(req.originalUrl).then((body) => res.json(body), next);
    });
  }
}
Inject(HttpAdapterHost)(ProbeModule, undefined, 0);

class AccuracyModule {}
const module: DynamicModule = {
  module: AccuracyModule,
  imports: [probe ? { module: ProbeModule } : RamflowModule.forRoot(ramflowOptions())],
  controllers: [AccuracyController],
};

const app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), {
  logger: ['error', 'warn'],
});
await app.listen(0, '127.0.0.1');
listening('nest', mode, (app.getHttpServer().address() as AddressInfo).port);
const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
