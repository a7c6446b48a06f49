/**
 * The dashboard's allocation routes over real HTTP, on records with hand-built profiles put straight into the
 * store: the three exports, the top-functions API with its query validation, and the Allocations panel on the
 * request page, escaped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { createRamflow } from '../../../src/ramflow.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { type ConformanceServer, rawRequest, serveOnLoopback } from '../../../src/testing/index.js';
import type { Ramflow, RamflowLogger } from '../../../src/types.js';
import { at, buildProfile, syntheticRecord, typicalProfile } from '../../helpers/profiles.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
const WITH_PROFILE = '0a1b2c3d-1';
const UNAVAILABLE = '0a1b2c3d-2';
const PROCESS_ONLY = '0a1b2c3d-3';
const HOSTILE = '0a1b2c3d-4';
const EMPTY = '0a1b2c3d-5';
const XSS_NAME = '<script>alert("name")</script>';
const XSS_URL = 'file:///srv/app/src/"onerror=alert(1)//<script>x</script>.js';

let server: ConformanceServer;
let ramflow: Ramflow;

before(async () => {
  const store = new MemoryStore({ maxRecords: 10, maxBytes: 10 * 1024 * 1024 });
  store.add(syntheticRecord(WITH_PROFILE, { allocations: typicalProfile() }));
  store.add(
    syntheticRecord(UNAVAILABLE, {
      allocationsUnavailable: 'DevTools owns the sampling heap profiler <b>right now</b>',
    }),
  );
  store.add(syntheticRecord(PROCESS_ONLY));
  store.add(
    syntheticRecord(HOSTILE, {
      allocations: buildProfile({ [XSS_NAME]: { url: XSS_URL, line: 3, column: 1 } }, [at(XSS_NAME, 40_000)]),
    }),
  );
  store.add(syntheticRecord(EMPTY, { allocations: buildProfile({}, []) }));
  ramflow = createRamflow({ store, memoryBackend: 'process', logger: quiet });
  server = await serveOnLoopback(
    (req, res) => {
      const info = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
      };
      if (ramflow.isOwnPath(info.url)) void ramflow.handle(info, req, res);
      else res.end('app');
    },
    () => ramflow.close(),
  );
});
after(() => server.close());

const get = (path: string) => rawRequest(server.baseUrl, `/__ramflow${path}`);

function assertSecurityHeaders(headers: Record<string, unknown>): void {
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.match(String(headers['content-security-policy']), /default-src 'none'/);
  assert.equal(headers['cache-control'], 'no-store');
}

describe('profile exports', () => {
  test('.heapprofile: JSON download summing to the profile total', async () => {
    const res = await get(`/api/requests/${WITH_PROFILE}/profile.heapprofile`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(
      res.headers['content-disposition'],
      `attachment; filename="ramflow-${WITH_PROFILE}.heapprofile"`,
    );
    assertSecurityHeaders(res.headers);
    const document = JSON.parse(res.body.toString()) as { head: unknown; samples: Array<{ size: number }> };
    assert.ok(document.head);
    assert.equal(
      document.samples.reduce((sum, sample) => sum + sample.size, 0),
      typicalProfile().totalBytes,
    );
  });

  test('.pb.gz: gzipped pprof that decodes', async () => {
    const res = await get(`/api/requests/${WITH_PROFILE}/profile.pb.gz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['content-disposition'], `attachment; filename="ramflow-${WITH_PROFILE}.pb.gz"`);
    assertSecurityHeaders(res.headers);
    const decoded = Profile.decode(gunzipSync(res.body));
    assert.ok(decoded.stringTable.strings.includes('renderPage'));
  });

  test('.speedscope.json: a speedscope file named after the request', async () => {
    const res = await get(`/api/requests/${WITH_PROFILE}/profile.speedscope.json`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const file = JSON.parse(res.body.toString()) as { name: string; exporter: string };
    assert.equal(file.name, 'GET /products?page=2');
    assert.equal(file.exporter, 'ramflow');
  });

  test('HEAD answers the headers without a body', async () => {
    const res = await rawRequest(server.baseUrl, `/__ramflow/api/requests/${WITH_PROFILE}/profile.pb.gz`, {
      method: 'HEAD',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
  });

  test('404 JSON with the reason when the record has no profile', async () => {
    for (const ending of ['profile.heapprofile', 'profile.pb.gz', 'profile.speedscope.json', 'allocations']) {
      const unavailable = await get(`/api/requests/${UNAVAILABLE}/${ending}`);
      assert.equal(unavailable.status, 404);
      assert.match(String(unavailable.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(unavailable.body.toString()), {
        error: 'not_found',
        message: 'DevTools owns the sampling heap profiler <b>right now</b>',
      });
      const processOnly = JSON.parse((await get(`/api/requests/${PROCESS_ONLY}/${ending}`)).body.toString());
      assert.equal(processOnly.error, 'not_found');
      assert.match(processOnly.message, /sampling backend did not run.*backend process/);
    }
  });

  test('unknown and invalid ids are 404 JSON, never echoed', async () => {
    const missing = await get('/api/requests/0a1b2c3d-zz/profile.heapprofile');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body.toString()).error, 'not_found');
    const invalid = await get('/api/requests/%3Cscript%3E/profile.pb.gz');
    assert.equal(invalid.status, 404);
    assert.doesNotMatch(invalid.body.toString(), /script/i);
  });
});

describe('top functions API', () => {
  test('rows by self with hiding and a limit', async () => {
    const res = await get(`/api/requests/${WITH_PROFILE}/allocations?by=self&hide=node,ramflow&limit=2`);
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body.toString());
    assert.equal(body.by, 'self');
    assert.deepEqual(body.hide, ['node', 'ramflow']);
    assert.deepEqual(
      body.rows.map((row: { frame: { name: string }; selfBytes: number }) => [row.frame.name, row.selfBytes]),
      [
        ['renderPage', 80_000],
        ['query', 20_000],
      ],
    );
    assert.equal(body.rows[0].totalBytes, 80_000);
    assert.equal(typeof body.rows[0].selfShare, 'number');
  });

  test('defaults: by self, nothing hidden', async () => {
    const body = JSON.parse((await get(`/api/requests/${WITH_PROFILE}/allocations`)).body.toString());
    assert.equal(body.by, 'self');
    assert.deepEqual(body.hide, []);
    assert.equal(body.rows[0].frame.name, 'JSON.stringify');
    const total = JSON.parse(
      (await get(`/api/requests/${WITH_PROFILE}/allocations?by=total`)).body.toString(),
    );
    assert.equal(total.rows[0].frame.name, 'handleRequest');
  });

  test('bad query values are 400 JSON', async () => {
    for (const query of [
      'by=size',
      'by=self&by=total',
      'hide=node,<script>',
      'hide=everything',
      'limit=0',
      'limit=-1',
      'limit=abc',
      'limit=1.5',
      'limit=100000',
    ]) {
      const res = await get(`/api/requests/${WITH_PROFILE}/allocations?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = JSON.parse(res.body.toString());
      assert.equal(body.error, 'bad_request');
      assert.doesNotMatch(body.message, /<script>/);
    }
  });
});

describe('Allocations panel on the request page', () => {
  test('top functions with locations, kinds, shares, editor links and downloads', async () => {
    const res = await get(`/requests/${WITH_PROFILE}`);
    assert.equal(res.status, 200);
    assertSecurityHeaders(res.headers);
    const html = res.body.toString();
    const summaryAt = html.indexOf('<h2>Summary</h2>');
    const allocationsAt = html.indexOf('<h2>Allocations</h2>');
    assert.ok(summaryAt > 0 && allocationsAt > summaryAt, 'the panel comes below the summary');
    assert.match(html, /Top functions by self bytes/);
    assert.match(html, /Top functions by total bytes/);
    assert.match(html, /renderPage/);
    assert.match(html, /pg\/lib\/client\.js:300/);
    assert.match(html, /href="vscode:\/\/file\/srv\/app\/src\/views\/render\.js:40:1"/);
    assert.match(html, /80 KB/);
    assert.match(html, /74\.8%/);
    // Node internals and ramflow's own frames are hidden by default; their bytes count in their callers.
    assert.doesNotMatch(html, /JSON\.stringify/);
    assert.doesNotMatch(html, />measure</);
    for (const ending of ['profile.heapprofile', 'profile.pb.gz', 'profile.speedscope.json']) {
      assert.ok(html.includes(`href="/__ramflow/api/requests/${WITH_PROFILE}/${ending}"`), ending);
    }
    assert.ok(
      html.includes(`href="/__ramflow/api/requests/${WITH_PROFILE}" download="ramflow-${WITH_PROFILE}.json"`),
    );
    assert.match(html, /a note for the reader/);
  });

  test('without a profile it says why, never zeros', async () => {
    const unavailable = (await get(`/requests/${UNAVAILABLE}`)).body.toString();
    assert.match(unavailable, /No allocation stacks: DevTools owns the sampling heap profiler/);
    assert.ok(unavailable.includes('&lt;b&gt;right now&lt;/b&gt;'));
    assert.doesNotMatch(unavailable, /Top functions/);
    const processOnly = (await get(`/requests/${PROCESS_ONLY}`)).body.toString();
    assert.match(processOnly, /the sampling backend did not run for this request: backend process/);
    assert.doesNotMatch(processOnly, /profile\.heapprofile/);
    const empty = (await get(`/requests/${EMPTY}`)).body.toString();
    assert.match(empty, /No samples were taken/);
    assert.doesNotMatch(empty, /Top functions/);
  });

  test('function names and URLs from the profile are escaped', async () => {
    const res = await get(`/requests/${HOSTILE}`);
    assert.equal(res.status, 200);
    const html = res.body.toString();
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<script>x/);
    assert.doesNotMatch(html, /"onerror=/);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;'));
    const link = /href="(vscode:[^"]*)"/.exec(html)?.[1];
    assert.ok(link, 'the app frame still gets an editor link');
    assert.doesNotMatch(link, /[<>"]/);
  });
});
