import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  injectBeforeBodyEnd,
  isInjectable,
  MAX_SCAN_BYTES,
  toolbarCopyBytes,
} from '../../src/response/inject.js';
import type { ResponseInfo } from '../../src/types.js';

function response(overrides: Partial<ResponseInfo> = {}): ResponseInfo {
  return {
    statusCode: 200,
    contentType: 'text/html; charset=utf-8',
    contentEncoding: undefined,
    ...overrides,
  };
}

const TOOLBAR = '<script src="/__ramflow/toolbar.js"></script>';

describe('isInjectable', () => {
  for (const contentType of [
    'text/html',
    'text/html; charset=utf-8',
    'TEXT/HTML; Charset=UTF-8',
    'text/html;charset=iso-8859-1',
  ]) {
    test(`${contentType} is injectable`, () => {
      assert.equal(isInjectable('GET', response({ contentType })), true);
    });
  }

  for (const contentType of ['application/json', 'text/plain', 'application/xhtml+xml', undefined]) {
    test(`${String(contentType)} is not injectable`, () => {
      assert.equal(isInjectable('GET', response({ contentType })), false);
    });
  }

  for (const charset of ['utf-16', 'UTF-16LE', '"utf-16be"', 'utf-32']) {
    test(`charset=${charset} is not injectable`, () => {
      assert.equal(isInjectable('GET', response({ contentType: `text/html; charset=${charset}` })), false);
    });
  }

  test('content-encoding gzip/br is not injectable, identity is', () => {
    assert.equal(isInjectable('GET', response({ contentEncoding: 'gzip' })), false);
    assert.equal(isInjectable('GET', response({ contentEncoding: 'br' })), false);
    assert.equal(isInjectable('GET', response({ contentEncoding: 'identity' })), true);
    assert.equal(isInjectable('GET', response({ contentEncoding: ' Identity ' })), true);
  });

  test('HEAD is not injectable; GET and POST are', () => {
    assert.equal(isInjectable('HEAD', response()), false);
    assert.equal(isInjectable('GET', response()), true);
    assert.equal(isInjectable('POST', response()), true);
  });

  for (const statusCode of [101, 204, 205, 304, 301, 404, 500]) {
    test(`status ${statusCode} is not injectable`, () => {
      assert.equal(isInjectable('GET', response({ statusCode })), false);
    });
  }

  for (const statusCode of [200, 201, 299]) {
    test(`status ${statusCode} is injectable`, () => {
      assert.equal(isInjectable('GET', response({ statusCode })), true);
    });
  }
});

/** Asserts that `out` is `original` with `insert` spliced in at byte `at`, every other byte identical. */
function assertSplicedAt(out: Buffer, original: Buffer, insert: string, at: number): void {
  const inserted = Buffer.from(insert, 'utf8');
  assert.equal(out.length, original.length + inserted.length);
  assert.ok(out.subarray(0, at).equals(original.subarray(0, at)), 'prefix bytes unchanged');
  assert.ok(out.subarray(at, at + inserted.length).equals(inserted), 'inserted bytes in place');
  assert.ok(out.subarray(at + inserted.length).equals(original.subarray(at)), 'suffix bytes unchanged');
}

describe('injectBeforeBodyEnd', () => {
  test('inserts before the closing body tag', () => {
    const html = '<html><body><p>hi</p></body></html>';
    const out = injectBeforeBodyEnd(html, TOOLBAR);
    assert.equal(typeof out, 'string', 'a string page stays a string');
    assert.equal(out, `<html><body><p>hi</p>${TOOLBAR}</body></html>`);
    const bytes = injectBeforeBodyEnd(Buffer.from(html), TOOLBAR);
    assert.ok(Buffer.isBuffer(bytes), 'bytes stay bytes');
    assert.equal(bytes.toString('utf8'), out);
  });

  test('inserts before the LAST closing body tag, case-insensitively', () => {
    const html = '<html><BODY><pre>&lt;/BODY&gt; literal: </BODY></pre>\n</BODY>\n</html>\n';
    const original = Buffer.from(html, 'utf8');
    const at = html.lastIndexOf('</BODY>');
    assert.ok(at > html.indexOf('</BODY>'), 'fixture has two closing tags');
    assertSplicedAt(Buffer.from(injectBeforeBodyEnd(html, TOOLBAR)), original, TOOLBAR, at);
    assertSplicedAt(injectBeforeBodyEnd(original, TOOLBAR), original, TOOLBAR, at);
  });

  test('mixed-case closing tags and a later lower-case one', () => {
    const html = '<body>a</BoDy>b</body >c';
    assert.equal(injectBeforeBodyEnd(html, TOOLBAR), `<body>a</BoDy>b${TOOLBAR}</body >c`);
    assert.equal(
      injectBeforeBodyEnd(Buffer.from(html), TOOLBAR).toString('utf8'),
      `<body>a</BoDy>b${TOOLBAR}</body >c`,
    );
  });

  test('appends when there is no closing body tag', () => {
    for (const html of ['', '<p>fragment</p>', '<body>unterminated', '</bod', 'body>']) {
      const original = Buffer.from(html, 'utf8');
      assertSplicedAt(Buffer.from(injectBeforeBodyEnd(html, TOOLBAR)), original, TOOLBAR, original.length);
    }
  });

  test('looks for </body> only near the end: a huge page without one is appended to, not scanned whole', () => {
    // A </body> further from the end than the scan bound is not looked for (the toolbar is appended), so the cost
    // of a page without one is bounded whatever its size.
    const far = Buffer.concat([Buffer.from('<body>x</body>'), Buffer.alloc(MAX_SCAN_BYTES, 0x61)]);
    assertSplicedAt(injectBeforeBodyEnd(far, TOOLBAR), far, TOOLBAR, far.length);
    const near = Buffer.concat([Buffer.alloc(4 * MAX_SCAN_BYTES, 0x61), Buffer.from('</body>tail')]);
    assertSplicedAt(injectBeforeBodyEnd(near, TOOLBAR), near, TOOLBAR, near.length - '</body>tail'.length);
  });

  test('Buffer input gives the same bytes as string input and is not mutated', () => {
    const html = '<html><body>x</body></html>';
    const input = Buffer.from(html, 'utf8');
    const copy = Buffer.from(input);
    const fromBuffer = injectBeforeBodyEnd(input, TOOLBAR);
    const fromString = injectBeforeBodyEnd(html, TOOLBAR);
    assert.ok(fromBuffer.equals(Buffer.from(fromString)));
    assert.ok(input.equals(copy), 'input buffer unchanged');
    assertSplicedAt(fromBuffer, input, TOOLBAR, html.indexOf('</body>'));
  });

  test('multi-byte UTF-8 around the tag passes through byte for byte', () => {
    const before = '<html><body>Grüße 😀 日本語 — ünïcödé';
    const after = '</body><!-- ✓ fin 🚀 --></html>';
    const original = Buffer.from(before + after, 'utf8');
    const at = Buffer.byteLength(before, 'utf8');
    const out = injectBeforeBodyEnd(original, TOOLBAR);
    assertSplicedAt(out, original, TOOLBAR, at);
    assert.equal(out.toString('utf8'), `${before}${TOOLBAR}${after}`);
  });

  test('a non-ASCII insert is encoded as UTF-8', () => {
    assert.equal(injectBeforeBodyEnd('<body></body>', '<b>ü</b>'), '<body><b>ü</b></body>');
    const out = injectBeforeBodyEnd(Buffer.from('<body></body>'), '<b>ü</b>');
    assert.equal(out.toString('utf8'), '<body><b>ü</b></body>');
  });

  test('binary bytes that are not UTF-8 survive untouched', () => {
    const original = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
      Buffer.from('</body>'),
      Buffer.from([0x80, 0x81]),
    ]);
    assertSplicedAt(injectBeforeBodyEnd(original, TOOLBAR), original, TOOLBAR, 4);
  });

  test('a string body is spliced as characters, whatever encoding it is written with', () => {
    const html = '<body>caf\u00e9 \u65e5\u672c</body>';
    const out = injectBeforeBodyEnd(html, TOOLBAR);
    assert.equal(out, `<body>caf\u00e9 \u65e5\u672c${TOOLBAR}</body>`);
    const original = Buffer.from(html, 'latin1');
    assertSplicedAt(
      Buffer.from(injectBeforeBodyEnd('<body>caf\u00e9</body>', TOOLBAR), 'latin1'),
      Buffer.from('<body>caf\u00e9</body>', 'latin1'),
      TOOLBAR,
      10,
    );
    assert.ok(original.length > 0);
  });

  test("Node's copy of the toolbar with a string page is counted per character, two bytes for wide pages", () => {
    assert.equal(toolbarCopyBytes(Buffer.from('<body></body>'), TOOLBAR), 0, 'a Buffer is written as it is');
    assert.equal(toolbarCopyBytes('<body>caf\u00e9</body>', TOOLBAR), TOOLBAR.length);
    assert.equal(toolbarCopyBytes('<body>\u65e5</body>', TOOLBAR), 2 * TOOLBAR.length);
  });
});
