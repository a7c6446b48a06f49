/**
 * Bootstrap and per-package load costs (SPEC §5). Fixture apps run in real child processes with the BUILT
 * preload (`npm run build --workspace @ramflow/core` first): `heavy-fixture` keeps 20 MiB of JS heap from import
 * on and loads `light-fixture` (1 MiB, CommonJS). The fixture packages are copied into a temporary node_modules
 * under the repo's git-ignored .ramflow-tmp/ (node_modules itself is git-ignored), so `@ramflow/core` resolves.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { APP, bootstrapReport, packageOf } from '../../src/preload/bootstrap.js';
import { instrument } from '../../src/preload/register-hooks.js';
import type { BootstrapReport, PackageCost } from '../../src/types.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/bootstrap/', import.meta.url));
const MiB = 1024 * 1024;
const HEAVY_BYTES = 20 * MiB;

let dir = '';

before(() => {
  assert.ok(
    existsSync(join(ROOT, 'packages/core/dist/register.mjs')) &&
      existsSync(join(ROOT, 'packages/core/dist/register.cjs')),
    'build @ramflow/core first: npm run build --workspace @ramflow/core',
  );
  const tmp = join(ROOT, '.ramflow-tmp');
  mkdirSync(tmp, { recursive: true });
  dir = mkdtempSync(join(tmp, 'bootstrap-'));
  for (const file of ['app.mjs', 'app.cjs', 'no-preload.mjs']) cpSync(join(FIXTURE, file), join(dir, file));
  cpSync(join(FIXTURE, 'packages'), join(dir, 'node_modules'), { recursive: true });
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a fixture app (killed after 30 s) and parses the report it prints once listening. */
function run(args: string[], env: Record<string, string> = {}): Promise<BootstrapReport> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: dir, env: childEnv, timeout: 30_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${args.join(' ')} failed: ${error.message}\n${stderr}`));
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as BootstrapReport);
        } catch {
          reject(new Error(`no report from ${args.join(' ')}:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

function find(report: BootstrapReport, name: string): PackageCost {
  const found = report.packages.find((p) => p.name === name);
  assert.ok(found, `${name} in ${report.packages.map((p) => p.name).join(', ')}`);
  return found;
}

function assertAbout(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * tolerance,
    `${what}: ${(actual / MiB).toFixed(2)} MiB, expected ${(expected / MiB).toFixed(2)} MiB ±${tolerance * 100}%`,
  );
}

function assertPreloaded(report: BootstrapReport, kind: 'esm' | 'cjs'): void {
  assert.equal(report.source, 'preload');
  assert.match(report.note, /preload/);
  assert.match(report.measurement, /live/);
  assert.ok(report.appReady, 'appReady recorded at the first listen');
  assert.ok(report.appReady.uptimeMs > report.bootstrap.uptimeMs);
  // The app's load is between the two footprints.
  assert.ok(report.appReady.heapUsedBytes - report.bootstrap.heapUsedBytes > 15 * MiB);
  assert.equal(report.overhead?.tracking, false, 'tracking stops once the app listens');

  const heaviest = report.packages[0];
  assert.ok(heaviest);
  assert.equal(heaviest.name, 'heavy-fixture', 'the 20 MiB package is the heaviest');
  assert.equal(heaviest.kind, kind);
  assert.equal(heaviest.heap, 'live');
  assertAbout(heaviest.inclusive.heapBytes, HEAVY_BYTES, 0.2, `heavy-fixture inclusive (${kind})`);
  assertAbout(heaviest.self.heapBytes, HEAVY_BYTES, 0.2, `heavy-fixture self (${kind})`);
  // Allocation counts garbage too (filling each empty array with doubles replaces its backing store).
  assert.ok((heaviest.self.allocatedBytes ?? 0) >= heaviest.self.heapBytes);
  assert.equal(heaviest.modules, 2);

  const light = find(report, 'light-fixture');
  assert.equal(light.kind, 'cjs');
  assertAbout(light.inclusive.heapBytes, MiB, 0.5, 'light-fixture');
  assert.equal(report.packages.at(-1)?.name, APP, "the app's own files come last");
  assert.ok(!report.packages.some((p) => p.name.startsWith('node:')));
  for (const p of report.packages) assert.ok(p.loadMs >= 0 && p.modules > 0, JSON.stringify(p));
}

describe('bootstrap preload (child processes, built @ramflow/core/register)', () => {
  it('ESM app with --import: heavy-fixture is the heaviest, ~20 MiB', async () => {
    const report = await run(['--import', '@ramflow/core/register', 'app.mjs']);
    assertPreloaded(report, 'esm');
    const heavy = find(report, 'heavy-fixture');
    // ESM: dependencies evaluate before their importers, so inclusive is self.
    assert.deepEqual(heavy.inclusive, heavy.self);
    console.log(
      `ESM heavy-fixture: live ${(heavy.inclusive.heapBytes / MiB).toFixed(2)} MiB, allocated ` +
        `${((heavy.self.allocatedBytes ?? 0) / MiB).toFixed(2)} MiB, ${report.overhead?.forcedGcs} forced GCs ` +
        `${report.overhead?.gcMs} ms`,
    );
  });

  it('CommonJS app with --require: heavy-fixture is the heaviest, ~20 MiB; inclusive adds what it required', async () => {
    const report = await run(['--require', '@ramflow/core/register', 'app.cjs']);
    assertPreloaded(report, 'cjs');
    const heavy = find(report, 'heavy-fixture');
    const light = find(report, 'light-fixture');
    assert.equal(heavy.inclusive.heapBytes - heavy.self.heapBytes, light.inclusive.heapBytes);
    const app = find(report, APP);
    assert.ok(app.inclusive.heapBytes >= heavy.inclusive.heapBytes, 'the main module includes everything');
    console.log(
      `CJS heavy-fixture: live self ${(heavy.self.heapBytes / MiB).toFixed(2)} MiB, inclusive ` +
        `${(heavy.inclusive.heapBytes / MiB).toFixed(2)} MiB, allocated ` +
        `${((heavy.self.allocatedBytes ?? 0) / MiB).toFixed(2)} MiB`,
    );
  });

  it('the CommonJS build of the preload measures an ESM app too (the loader thread is left alone)', async () => {
    const report = await run(['--require', '@ramflow/core/register', 'app.mjs']);
    assertPreloaded(report, 'esm');
  });

  it('RAMFLOW_BOOTSTRAP_GC_MS=0: no forced GCs, heap figures labelled raw, allocation still counted', async () => {
    const report = await run(['--import', '@ramflow/core/register', 'app.mjs'], {
      RAMFLOW_BOOTSTRAP_GC_MS: '0',
    });
    assert.equal(report.overhead?.forcedGcs, 0);
    const heavy = find(report, 'heavy-fixture');
    assert.equal(heavy.heap, 'raw');
    assert.ok((heavy.self.allocatedBytes ?? 0) >= 0.8 * HEAVY_BYTES);
  });

  it("without the preload: recorded at ramflow's import, and says so", async () => {
    const report = await run(['no-preload.mjs']);
    assert.equal(report.source, 'ramflow-import');
    assert.match(report.note, /ramflow's import/);
    assert.match(report.note, /--import @ramflow\/core\/register/);
    assert.deepEqual(report.packages, []);
    assert.equal(report.overhead, undefined);
    assert.ok(report.appReady, 'app ready is still recorded');
  });
});

describe('bootstrap in process', () => {
  it("bootstrapReport() without the preload is the footprint at ramflow's import", () => {
    const report = bootstrapReport();
    assert.equal(report.source, 'ramflow-import');
    assert.ok(report.bootstrap.rssBytes > 0 && report.bootstrap.heapUsedBytes > 0);
    assert.ok(!Number.isNaN(Date.parse(report.bootstrap.at)));
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'plain JSON');
    const shared = (globalThis as unknown as Record<symbol, { report(): BootstrapReport }>)[
      Symbol.for('ramflow.bootstrap')
    ];
    assert.equal(shared?.report().source, 'ramflow-import');
  });

  it('packageOf: top-level package of a path or file URL', () => {
    assert.equal(packageOf('/app/node_modules/express/lib/router/index.js'), 'express');
    assert.equal(packageOf('/app/node_modules/@nestjs/core/index.js'), '@nestjs/core');
    assert.equal(packageOf('/app/node_modules/a/node_modules/b/index.js'), 'b');
    assert.equal(packageOf('file:///app/node_modules/%40scope/pkg/x.mjs'), '@scope/pkg');
    assert.equal(packageOf('C:\\app\\node_modules\\koa\\lib\\application.js'), 'koa');
    assert.equal(packageOf('/app/src/server.js'), APP);
    assert.equal(
      packageOf('/repo/packages/core/dist/index.mjs', '/repo/packages/core/dist/'),
      '@ramflow/core',
    );
    assert.equal(packageOf('node:http'), undefined);
    assert.equal(packageOf('data:text/javascript,1'), undefined);
  });

  it('instrument: prelude on the first line (after a #! line), epilogue on its own line', () => {
    const plain = instrument('export const a = 1;\n');
    assert.match(
      plain,
      /^globalThis\[Symbol\.for\('ramflow\.bootstrap'\)\]\?\.enter\?\.\(import\.meta\.url\);export/,
    );
    assert.match(
      plain,
      /\n;globalThis\[Symbol\.for\('ramflow\.bootstrap'\)\]\?\.exit\?\.\(import\.meta\.url\);\n$/,
    );
    assert.equal(plain.split('\n')[1], '', 'line numbers unchanged');
    const shebang = instrument('#!/usr/bin/env node\nexport {};');
    assert.ok(shebang.startsWith('#!/usr/bin/env node\nglobalThis'));
  });
});
