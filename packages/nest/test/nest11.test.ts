import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseServerTiming, rawRequest } from '@ramflow/core/testing';

/**
 * Nest 11 apps are CommonJS and resolve their own @nestjs packages: test/nest11 is a standalone npm project with
 * Nest 11 and the @ramflow packages installed as packed copies (`--install-links`), so its @ramflow/nest runs
 * against Nest 11 through the CommonJS build, not against the monorepo's Nest 12 and sources.
 */
const FIXTURE = fileURLToPath(new URL('./nest11/', import.meta.url));
const INSTALL = 'npm ci --install-links --prefix packages/nest/test/nest11';
const missing = !existsSync(`${FIXTURE}node_modules/@ramflow/nest`);
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const START_TIMEOUT_MS = 30_000;

/** Starts `node app.cjs <platform>` and resolves with its URL once it prints it. */
function start(platform: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['app.cjs', platform], {
    cwd: FIXTURE,
    env: { ...process.env, NODE_ENV: 'development', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`no URL within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const settle = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('error', fail);
      child.off('exit', onExit);
    };
    const fail = (error: Error) => {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`${error.message}; output:\n${output}`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`exited early (code ${code}, signal ${signal})`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
      if (url) {
        settle();
        resolve({ child, baseUrl: url });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', fail);
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// Without the fixture installed: a skip that says how to install it, except in CI, where it is a failure.
describe('nest@11 (CommonJS app, packed @ramflow packages)', {
  skip: missing && !process.env.CI ? `test/nest11 is not installed: run \`${INSTALL}\`` : false,
}, () => {
  for (const platform of ['express', 'fastify']) {
    describe(`nest@11/${platform}`, () => {
      let child: ChildProcess | undefined;
      let baseUrl: string;

      before(async () => {
        if (missing)
          throw new Error(`test/nest11 is not installed: run \`${INSTALL}\` after building the packages`);
        ({ child, baseUrl } = await start(platform));
      });
      after(() => stop(child));

      it('runs on Nest 11, the same @nestjs/core the app uses', async () => {
        const res = await rawRequest(baseUrl, '/api/ping');
        const body = JSON.parse(res.body.toString());
        assert.equal(body.platform, platform);
        assert.match(body.nest, /^11\./);
        assert.equal(body.nestSeenByRamflow, body.nest);
      });

      it('adds valid Server-Timing and X-Ramflow-Id to JSON, and serves the record', async () => {
        const res = await rawRequest(baseUrl, '/api/ping');
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        const metrics = parseServerTiming(res.headers['server-timing'] as string);
        assert.ok(
          metrics.some((m) => m.name === 'ramflow'),
          'ramflow metric',
        );
        assert.ok(
          metrics.some((m) => m.name === 'heap'),
          'heap metric',
        );
        const id = res.headers['x-ramflow-id'] as string;
        assert.match(id, /^[0-9a-f]{8}-[0-9a-z]+$/);
        assert.equal(new URL(res.headers['x-ramflow-link'] as string).pathname, `/__ramflow/requests/${id}`);
        const record = await rawRequest(baseUrl, `/__ramflow/api/requests/${id}`);
        assert.equal(record.status, 200);
        const json = JSON.parse(record.body.toString());
        assert.equal(json.id, id);
        assert.equal(json.request.path, '/api/ping');
        assert.equal(json.response.statusCode, 200);
      });

      it('injects the toolbar into an HTML page', async () => {
        const res = await rawRequest(baseUrl, '/', { headers: BROWSER });
        const body = res.body.toString();
        assert.equal(res.status, 200);
        assert.match(body, /<h1>Nest 11 fixture<\/h1>/);
        assert.equal(body.split('<ramflow-toolbar').length - 1, 1);
        assert.ok(body.indexOf('<ramflow-toolbar') < body.lastIndexOf('</body>'));
        assert.equal(Number(res.headers['content-length']), res.body.length);
        const css = await rawRequest(baseUrl, '/__ramflow/assets/toolbar.css');
        assert.equal(css.status, 200);
      });
    });
  }
});
