import { Readable } from 'node:stream';
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
  /**
   * GET: 200 text/html sent as a stream with a declared Content-Length, as static-file middleware sends a file
   * (`express.static`, `@fastify/static`, `koa-static`): `fileStream()` gives the stream; set `Content-Length:
   * length`, the type, `ETag: etag` and `Last-Modified: lastModified`, and send the stream with the framework's
   * ordinary API.
   */
  file: {
    path: '/file.html',
    contentType: 'text/html; charset=utf-8',
    chunks: [
      '<!doctype html><html><head><title>static</title></head><body>',
      '<h1>static page</h1>',
      '</body></html>',
    ],
    get body(): string {
      return this.chunks.join('');
    },
    get length(): number {
      return Buffer.byteLength(this.body);
    },
    etag: '"file-v1"',
    lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT',
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
  /**
   * GET: 200 text/plain; the handler calls `allocateKnownStrings()` (a known 4,064,000 bytes of heap) and answers
   * with the number of strings.
   */
  allocation: { path: '/allocate', contentType: 'text/plain; charset=utf-8', bytes: 4000 * 1016 },
  /** GET: 200 text/html of `bytes` (`largeBody()`), written in one piece (`res.send(buffer)`), for clients that hang up halfway. */
  large: { path: '/large', contentType: 'text/html; charset=utf-8', bytes: 32 * 1024 * 1024 },
  /**
   * GET: 200 application/json `{"probes":<length>}`. The handler pushes `count` new instances of a class named
   * `className` onto an array the app's module keeps in a variable named `probes`, then answers with the array's
   * length. It is written in each app's own code, not here: heap diffs leave out what ramflow's code holds.
   */
  probes: {
    path: '/probes',
    contentType: 'application/json; charset=utf-8',
    className: 'SnapshotProbe',
    count: 5000,
  },
} as const;

let large: Buffer | undefined;

/** The body of `fixtures.large` (made once). */
export function largeBody(): Buffer {
  large ??= Buffer.alloc(fixtures.large.bytes, 'x');
  return large;
}

/**
 * 4,000 distinct flat one-byte strings of 1,000 characters, held in a local array: V8 stores each as a
 * SeqOneByteString of align8(16 + 1000) = 1,016 bytes, so the payload is 4,064,000 bytes (plus the array's 32 KB).
 * `latin1Slice` makes exactly one flat heap string per call and nothing else on the JS heap.
 */
export function allocateKnownStrings(): string[] {
  const source = Buffer.alloc(1000, 0x78) as Buffer & { latin1Slice(start: number, end: number): string };
  const kept = new Array<string>(4000);
  for (let i = 0; i < kept.length; i++) {
    source.writeUInt32LE(i, 0);
    kept[i] = source.latin1Slice(0, 1000);
  }
  return kept;
}

/** For chunked routes: the delay between chunks, in ms. */
export const STREAM_CHUNK_DELAY_MS = 5;

/** The `file` fixture's stream: its chunks, read one at a time, as a file stream delivers them. */
export function fileStream(): Readable {
  return Readable.from(fixtures.file.chunks.map((chunk) => Buffer.from(chunk)));
}
