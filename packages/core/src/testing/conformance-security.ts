import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AdapterConformanceSuiteOptions } from './conformance.js';
import { BROWSER, count, RAMFLOW_HEADERS, type SharedServers, waitForRecord } from './conformance-shared.js';
import { fixtures } from './fixtures.js';
import { rawRequest, TOOLBAR_OPEN } from './http.js';

/**
 * ramflow's defaults against other sites: a foreign Host (DNS rebinding) sees the app as if ramflow were not
 * there, POSTs and expensive work are taken only from ramflow's own pages, and secrets are redacted before storing.
 */
export function defineSecurityTests(
  servers: SharedServers,
  createServer: AdapterConformanceSuiteOptions['createServer'],
): void {
  const EVIL = { ...BROWSER, host: 'evil.example' };

  it("ignores a foreign Host (DNS rebinding): no headers, no toolbar, and /__ramflow is the app's own 404", async () => {
    const page = await rawRequest(servers.withRamflow.baseUrl, fixtures.page.path, { headers: EVIL });
    assert.equal(page.body.toString(), fixtures.page.body);
    for (const name of RAMFLOW_HEADERS) assert.equal(page.headers[name], undefined, `${name} must be absent`);
    for (const path of ['/__ramflow/api/requests', '/__ramflow/process', '/__ramflow/assets/toolbar.js']) {
      const answer = await rawRequest(servers.withRamflow.baseUrl, path, { headers: EVIL });
      const app = await rawRequest(servers.without.baseUrl, path, { headers: EVIL });
      assert.equal(answer.status, app.status, path);
      assert.deepEqual(answer.body, app.body, `${path}: the app's own answer`);
    }
    // localhost and IP addresses cannot be rebound: they are served.
    for (const host of [
      'localhost',
      `localhost:${new URL(servers.withRamflow.baseUrl).port}`,
      'app.localhost',
      '[::1]:80',
    ]) {
      const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.text.path, { headers: { host } });
      assert.ok(res.headers['x-ramflow-id'], `Host ${host} is served`);
    }
  });

  it('serves a Host listed in allowedHosts', async () => {
    const server = await createServer({
      ramflow: { memoryBackend: 'process', allowedHosts: ['evil.example'] },
    });
    try {
      const page = await rawRequest(server.baseUrl, fixtures.page.path, { headers: EVIL });
      assert.ok(page.headers['x-ramflow-id']);
      assert.equal(count(page.body.toString(), TOOLBAR_OPEN), 1);
      const api = await rawRequest(server.baseUrl, '/__ramflow/api/requests', { headers: EVIL });
      assert.equal(api.status, 200);
    } finally {
      await server.close();
    }
  });

  it('takes POSTs (the integrity audit) only from its own pages, with the token', async () => {
    const page = (await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/process')).body.toString();
    const token = /name="token" value="([0-9a-f]+)"/.exec(page)?.[1];
    assert.ok(token, 'the Process page carries the action token');
    const audit = (headers: Record<string, string>) =>
      rawRequest(servers.withRamflow.baseUrl, '/__ramflow/api/process/audit', {
        method: 'POST',
        headers: { 'x-ramflow-token': token, ...headers },
      });
    for (const headers of [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost:1' },
    ]) {
      const refused = await audit(headers);
      assert.equal(refused.status, 403, JSON.stringify(headers));
      assert.match(refused.body.toString(), /only taken from its own pages/);
    }
    assert.equal((await audit({ 'x-ramflow-token': 'wrong' })).status, 403);
    const ok = await audit({ origin: servers.withRamflow.baseUrl, 'sec-fetch-site': 'same-origin' });
    assert.equal(ok.status, 200, ok.body.toString());
    assert.match(JSON.parse(ok.body.toString()).verdict, /^(SECURE|BLOATED)$/);
    // The dashboard's own form: same origin, token in the body, answered with a redirect back.
    const form = await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/api/process/audit', {
      method: 'POST',
      headers: {
        origin: servers.withRamflow.baseUrl,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `token=${token}`,
    });
    assert.equal(form.status, 303);
  });

  it('takes no heap snapshot and no retained profile that another site asked for, and says why', async () => {
    for (const [path, headers] of [
      [`${fixtures.json.path}?ramflow=snapshot`, { 'sec-fetch-site': 'cross-site' }],
      [`${fixtures.json.path}?ramflow=snapshot`, { 'sec-fetch-site': 'same-site' }],
      [fixtures.json.path, { 'sec-fetch-site': 'cross-site', 'x-ramflow-backend': 'heap-snapshot' }],
    ] as const) {
      const res = await rawRequest(servers.withRamflow.baseUrl, path, { headers });
      assert.equal(res.body.toString(), fixtures.json.body);
      const record = JSON.parse(
        (
          await waitForRecord(servers.withRamflow.baseUrl, res.headers['x-ramflow-id'] as string)
        ).body.toString(),
      );
      assert.equal(record.heap, undefined, `${path} ${JSON.stringify(headers)}`);
      assert.match(record.heapUnavailable ?? '', /came from another site/);
    }
  });

  it("redacts secret query values and the Referer's query before storing", async () => {
    const res = await rawRequest(
      servers.withRamflow.baseUrl,
      `${fixtures.json.path}?page=2&access_token=abc123&API_KEY=k&q=a%20b&password`,
      { headers: { referer: 'http://127.0.0.1/login?session=s3cret&next=/' } },
    );
    const record = JSON.parse(
      (
        await waitForRecord(servers.withRamflow.baseUrl, res.headers['x-ramflow-id'] as string)
      ).body.toString(),
    );
    assert.equal(
      record.request.url,
      `${fixtures.json.path}?page=2&access_token=[redacted]&API_KEY=[redacted]&q=a%20b&password`,
    );
    assert.equal(record.request.headers.referer, 'http://127.0.0.1/login?[redacted]');
    const list = (await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/api/requests')).body.toString();
    assert.doesNotMatch(list, /abc123|s3cret/);
  });
}
