import { gzipSync } from 'node:zlib';

/**
 * The routes every adapter's conformance app serves, with exact bodies, so the suite can compare responses with
 * and without ramflow byte for byte. Adapters implement them with their framework's ordinary API.
 */
export const fixtures = {
  /** GET: 200 text/html page with a `</body>`; the toolbar goes in. */
  page: {
    path: '/page',
    contentType: 'text/html; charset=utf-8',
    body: '<!doctype html><html><head><title>fixture</title></head><body><h1>Fixture page ✓</h1></body></html>',
  },
  /** GET: 200 text/html fragment with no `</body>`; the toolbar is appended. */
  fragment: {
    path: '/fragment',
    contentType: 'text/html; charset=utf-8',
    body: '<p>fragment without a body tag</p>',
  },
  /** GET: 200 application/json. */
  json: {
    path: '/json',
    contentType: 'application/json; charset=utf-8',
    body: '{"ok":true,"items":[1,2,3],"text":"</body>"}',
  },
  /** GET: 200 text/html already gzip-encoded (`Content-Encoding: gzip`); must pass untouched. */
  gzip: {
    path: '/gzip',
    contentType: 'text/html; charset=utf-8',
    body: gzipSync(Buffer.from('<html><body><p>compressed</p></body></html>')),
  },
  /** GET: 200 text/html written in several chunks with a pause between them (streamed, chunked). */
  stream: {
    path: '/chunked',
    contentType: 'text/html; charset=utf-8',
    chunks: ['<html><body>', '<p>one</p>', '<p>two</p>', '</body></html>'],
  },
  /** GET: 204 with no body. */
  empty: { path: '/empty' },
  /** GET: 200 text/html with `ETag: "fixture-v1"`; answers 304 to `If-None-Match: "fixture-v1"`. */
  etag: {
    path: '/etag',
    contentType: 'text/html; charset=utf-8',
    etag: '"fixture-v1"',
    body: '<html><body>cached</body></html>',
  },
  /** GET: the handler throws `new Error('fixture failure')`; the framework's default error handling answers. */
  throws: { path: '/throw', message: 'fixture failure' },
  /** GET: 200 text/plain, allocating and keeping nothing special; used for header checks. */
  text: { path: '/text', contentType: 'text/plain; charset=utf-8', body: 'plain text' },
} as const;

/** For chunked routes: the delay between chunks, in ms. */
export const STREAM_CHUNK_DELAY_MS = 5;
