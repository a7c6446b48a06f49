/**
 * The pure rules behind ramflow's defaults: which Host names it answers for (DNS rebinding), which requests may
 * trigger expensive or state-changing work (cross-site), and what is redacted before a record is stored.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactHeapDiff, redactReferer, redactUrl } from '../src/redact.js';
import { crossSiteRefusal, hostnameOf, isAllowedHost } from '../src/security.js';
import type { HeapObjectsDiff } from '../src/types.js';

describe('Host names ramflow answers for', () => {
  test('localhost, its subdomains and IP address literals, with or without port', () => {
    for (const host of [
      'localhost',
      'localhost:3000',
      'LOCALHOST.:3000',
      'app.localhost:5173',
      '127.0.0.1:3000',
      '10.0.0.2',
      '192.0.2.2:80',
      '[::1]:3000',
      '[fd00::2]',
    ]) {
      assert.equal(isAllowedHost(host, []), true, host);
    }
  });

  test('any other name is refused unless allowedHosts lists it', () => {
    for (const host of [
      'evil.example',
      'evil.example:3000',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '999.1.1.1',
      '[::1',
    ]) {
      assert.equal(isAllowedHost(host, []), false, host);
    }
    assert.equal(isAllowedHost('myapp.test:3000', ['myapp.test']), true);
    assert.equal(isAllowedHost('api.myapp.test', ['myapp.test']), false);
    assert.equal(isAllowedHost('api.myapp.test', ['.myapp.test']), true);
    assert.equal(isAllowedHost('myapp.test', ['.myapp.test']), true);
    assert.equal(isAllowedHost('notmyapp.test', ['.myapp.test']), false);
    assert.equal(isAllowedHost('evil.example', true), true);
  });

  test('a request without Host (HTTP/1.0) is not a browser: it is answered', () => {
    assert.equal(isAllowedHost(undefined, []), true);
  });

  test('hostnameOf strips the port and a trailing dot, keeps IPv6 brackets', () => {
    assert.equal(hostnameOf('Example.TEST:8080'), 'example.test');
    assert.equal(hostnameOf('[::1]:3000'), '[::1]');
    assert.equal(hostnameOf('localhost.'), 'localhost');
  });
});

describe('requests from other sites', () => {
  const host = { host: '127.0.0.1:3000' };
  test('same-origin, typed (none) and non-browser requests pass', () => {
    assert.equal(
      crossSiteRefusal({ ...host, 'sec-fetch-site': 'same-origin' }, { sameSite: false }),
      undefined,
    );
    assert.equal(crossSiteRefusal({ ...host, 'sec-fetch-site': 'none' }, { sameSite: false }), undefined);
    assert.equal(crossSiteRefusal(host, { sameSite: false }), undefined);
    assert.equal(
      crossSiteRefusal({ ...host, origin: 'http://127.0.0.1:3000' }, { sameSite: false }),
      undefined,
    );
  });

  test('cross-site, a foreign Origin and "null" are refused', () => {
    assert.match(
      crossSiteRefusal({ ...host, 'sec-fetch-site': 'cross-site' }, { sameSite: true }) ?? '',
      /another site \(Sec-Fetch-Site: cross-site\)/,
    );
    assert.match(
      crossSiteRefusal({ ...host, origin: 'http://evil.example' }, { sameSite: false }) ?? '',
      /Origin/,
    );
    assert.match(crossSiteRefusal({ ...host, origin: 'null' }, { sameSite: true }) ?? '', /Origin/);
  });

  test('same-site (another port of the same host) passes only where asked for', () => {
    const sameSite = { ...host, 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:5173' };
    assert.equal(crossSiteRefusal(sameSite, { sameSite: true }), undefined);
    assert.match(crossSiteRefusal(sameSite, { sameSite: false }) ?? '', /same-site/);
  });
});

describe('redaction', () => {
  const rules = ['token', 'key', /^sig$/];
  test('replaces the values of secret-named query parameters, keeping everything else byte for byte', () => {
    assert.equal(
      redactUrl('/a?x=1&access_token=abc&API%5FKEY=k&q=a%20b&sig=zz&signal=ok#frag', rules),
      '/a?x=1&access_token=[redacted]&API%5FKEY=[redacted]&q=a%20b&sig=[redacted]&signal=ok#frag',
    );
    assert.equal(redactUrl('/plain/path', rules), '/plain/path');
    assert.equal(redactUrl('/a?token', rules), '/a?token');
    assert.equal(redactUrl('/a?token=1', []), '/a?token=1');
  });

  test("the Referer's query string goes whole", () => {
    assert.equal(
      redactReferer('http://127.0.0.1/login?session=s&next=/'),
      'http://127.0.0.1/login?[redacted]',
    );
    assert.equal(redactReferer('http://127.0.0.1/'), 'http://127.0.0.1/');
  });

  test('token-like property names in retainer paths are replaced; ordinary names stay', () => {
    const step = (edge: string) => ({ name: 'Object', type: 'object', edge, edgeType: 'property' });
    const diff = {
      newObjects: [
        {
          constructorName: 'Session',
          type: 'object',
          count: 1,
          selfBytes: 10,
          retainedBytes: 10,
          nativeBytes: 0,
          paths: [
            {
              steps: [step('sessions'), step('sk_live_4eC39HqLyjWDarjtT1zdp7dc'), step('user')],
              target: { name: 'Session', type: 'object', id: 1 },
            },
          ],
        },
      ],
      totals: { count: 1, selfBytes: 10, nativeBytes: 0 },
      snapshots: {
        beforeMs: 0,
        afterMs: 0,
        beforeBytes: 0,
        afterBytes: 0,
        nodes: 0,
        edges: 0,
        analysisMs: 0,
      },
      downloadable: false,
      notes: [],
    } satisfies HeapObjectsDiff;
    const redacted = redactHeapDiff(diff);
    const edges = redacted.newObjects[0]?.paths[0]?.steps.map((s) => s.edge);
    assert.deepEqual(edges, ['sessions', '[redacted] (32 characters)', 'user']);
    assert.doesNotMatch(JSON.stringify(redacted), /sk_live/);
  });
});
