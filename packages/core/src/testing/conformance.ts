import { after, before, describe } from 'node:test';
import type { Ramflow, RamflowOptions } from '../types.js';
import { defineHeapSnapshotTests } from './conformance-heap-snapshot.js';
import { defineIsolateTests } from './conformance-isolate.js';
import { defineResponseTests } from './conformance-responses.js';
import { defineSecurityTests } from './conformance-security.js';
import type { SharedServers } from './conformance-shared.js';

/** A running app under test. */
export interface ConformanceServer {
  /** e.g. `http://127.0.0.1:40123` */
  baseUrl: string;
  close(): Promise<void>;
  /** The app's ramflow instance (none when built with `ramflow: false`), for tests that read its store. */
  ramflow?: Ramflow | undefined;
}

/**
 * A route a test adds to the app for itself: GET `path` answers 200 with `contentType` and the body `handle`
 * resolves to. Adapters install it with their framework's ordinary API, after the fixture routes.
 */
export interface ConformanceRoute {
  path: string;
  contentType: string;
  handle(): Promise<string>;
}

export interface ConformanceServerOptions {
  /** ramflow's options, or `false` to build the same app without ramflow. */
  ramflow: RamflowOptions | false;
  /** Turn on the framework's own trust-proxy setting (X-Forwarded-For decides the client address). */
  trustProxy?: boolean;
  /** More routes, beside the fixture routes of `fixtures`. */
  routes?: readonly ConformanceRoute[];
}

export interface AdapterConformanceSuiteOptions {
  /** Shown in test names, e.g. "express@5". */
  name: string;
  /**
   * Builds the app (with the fixture routes of `fixtures` and any `routes`), listens on 127.0.0.1 port 0, and
   * gives back the ramflow instance as `ramflow`.
   */
  createServer(options: ConformanceServerOptions): Promise<ConformanceServer>;
}

/**
 * The behaviour every ramflow adapter must have, as one node:test suite. Each adapter's test calls this with a
 * factory for its framework; if an adapter needs the suite changed, the suite is wrong for all of them.
 */
export function defineAdapterConformanceSuite({ name, createServer }: AdapterConformanceSuiteOptions): void {
  describe(`ramflow adapter conformance: ${name}`, () => {
    const servers = {} as SharedServers;

    before(async () => {
      // The process counters are the instrument here: with V8's sampling profiler running, used-heap figures
      // around a scavenge were seen to under-count a window's allocation by ~1.3 MB (an open item; the sampling
      // backend has its own end-to-end tests).
      servers.withRamflow = await createServer({ ramflow: { memoryBackend: 'process' } });
      servers.without = await createServer({ ramflow: false });
    });
    after(async () => {
      await servers.withRamflow?.close();
      await servers.without?.close();
    });

    defineResponseTests(servers, createServer);
    describe('security', () => defineSecurityTests(servers, createServer));
    describe('heap snapshots', () => defineHeapSnapshotTests(createServer));
    describe('isolate', () => defineIsolateTests(createServer));
  });
}
