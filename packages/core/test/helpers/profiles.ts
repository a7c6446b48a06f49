/**
 * Hand-built allocation profiles and request records for tests: trees are written as nested `at(frame, self,
 * ...children)` calls, so the expected figures can be worked out by reading the test.
 */
import { summarize } from '../../src/store/memory.js';
import type {
  AllocationProfile,
  ProfileFrame,
  ProfileTreeNode,
  RecordSummary,
  RequestRecord,
} from '../../src/types.js';

/** A node of a hand-written tree: a frame name (a key of the frames table), its own bytes and its callees. */
export interface TreeSpec {
  frame: string;
  self: number;
  children: TreeSpec[];
}

/** Shorthand for a {@link TreeSpec}. */
export function at(frame: string, self: number, ...children: TreeSpec[]): TreeSpec {
  return { frame, self, children };
}

/** Build options for {@link buildProfile}. */
export interface BuildOptions {
  samplingInterval?: number;
  view?: AllocationProfile['view'];
  /** Bytes attributed to the root itself. */
  rootSelf?: number;
  notes?: string[];
}

/**
 * An AllocationProfile from a frames table (name → frame fields; missing fields default to an app file
 * `file:///srv/app/src/<name>.js` at line 10, column 3) and the root's children. Frame indices follow the
 * table's order after `(root)` at 0; totals and sample counts are computed from the own bytes.
 */
export function buildProfile(
  frames: Record<string, Partial<ProfileFrame>>,
  children: TreeSpec[],
  options: BuildOptions = {},
): AllocationProfile {
  const samplingInterval = options.samplingInterval ?? 1024;
  const table: ProfileFrame[] = [{ name: '(root)', url: '', line: 0, column: 0, kind: 'node' }];
  const indexOf = new Map<string, number>();
  for (const [name, fields] of Object.entries(frames)) {
    indexOf.set(name, table.length);
    table.push({
      name,
      url: `file:///srv/app/src/${name}.js`,
      line: 10,
      column: 3,
      kind: 'app',
      ...fields,
    });
  }
  let sampleCount = 0;
  const build = (frame: number, self: number, kids: TreeSpec[]): ProfileTreeNode => {
    const samples = self > 0 ? Math.max(1, Math.round(self / samplingInterval)) : 0;
    sampleCount += samples;
    const built = kids.map((kid) => {
      const index = indexOf.get(kid.frame);
      if (index === undefined) throw new Error(`frame ${kid.frame} is not in the frames table`);
      return build(index, kid.self, kid.children);
    });
    const totalBytes = built.reduce((sum, child) => sum + child.totalBytes, self);
    return { frame, selfBytes: self, totalBytes, samples, children: built };
  };
  const root = build(0, options.rootSelf ?? 0, children);
  return {
    view: options.view ?? 'allocated',
    samplingInterval,
    sampleCount,
    totalBytes: root.totalBytes,
    frames: table,
    root,
    notes: options.notes ?? [],
  };
}

/** Every node of a tree, depth first. */
export function nodesOf(root: ProfileTreeNode): ProfileTreeNode[] {
  return [root, ...root.children.flatMap(nodesOf)];
}

/**
 * A typical request's profile: an Express-like handler that renders a template (app code), calls a dependency,
 * and allocates through Node.js internals and ramflow's own code.
 *
 *   (root)
 *   └ handleRequest (app, 1 000)
 *     ├ renderPage (app, 30 000)
 *     │ └ JSON.stringify (node, 50 000)
 *     ├ query (dependency, 8 000)
 *     │ └ Buffer.from (node, 12 000)
 *     │   └ onChunk (dependency, 4 000)
 *     └ measure (ramflow, 2 000)
 */
export function typicalProfile(): AllocationProfile {
  return buildProfile(
    {
      handleRequest: { url: 'file:///srv/app/src/routes/home.js', line: 12, column: 5 },
      renderPage: { url: 'file:///srv/app/src/views/render.js', line: 40, column: 1 },
      'JSON.stringify': { url: '', line: 0, column: 0, kind: 'node' },
      query: {
        url: 'file:///srv/app/node_modules/pg/lib/client.js',
        line: 300,
        column: 9,
        kind: 'dependency',
      },
      'Buffer.from': { url: 'node:buffer', line: 310, column: 20, kind: 'node' },
      onChunk: {
        url: 'file:///srv/app/node_modules/pg/lib/stream.js',
        line: 7,
        column: 2,
        kind: 'dependency',
      },
      measure: {
        url: 'file:///srv/app/node_modules/@ramflow/core/dist/index.mjs',
        line: 90,
        column: 4,
        kind: 'ramflow',
      },
    },
    [
      at(
        'handleRequest',
        1_000,
        at('renderPage', 30_000, at('JSON.stringify', 50_000)),
        at('query', 8_000, at('Buffer.from', 12_000, at('onChunk', 4_000))),
        at('measure', 2_000),
      ),
    ],
    { samplingInterval: 32_768, notes: ['a note for the reader'] },
  );
}

/** A stored record as the core would keep it, with an optional allocation profile. */
export function syntheticRecord(
  id: string,
  extra: { allocations?: AllocationProfile; allocationsUnavailable?: string; url?: string } = {},
): RequestRecord {
  const url = extra.url ?? '/products?page=2';
  const record: RequestRecord = {
    version: 1,
    id,
    startedAt: '2025-01-01T12:00:00.000Z',
    durationMs: 12.5,
    request: {
      method: 'GET',
      url,
      path: url.split('?', 1)[0] as string,
      headers: { accept: 'text/html' },
    },
    response: { statusCode: 200, contentType: 'text/html; charset=utf-8', injected: true, aborted: false },
    memory: {
      heapDeltaBytes: 20_000,
      heapDeltaKind: 'raw',
      allocatedBytes: 110_000,
      heapUsedBeforeBytes: 10_000_000,
      heapUsedAfterBytes: 10_020_000,
      externalDeltaBytes: 0,
      arrayBuffersBytes: 65_536,
      rssBytes: 80_000_000,
      gc: { count: 0, pauseMs: 0, forced: 0, byKind: {} },
    },
    concurrency: { exclusive: true, overlapping: 0 },
    backend: extra.allocations
      ? { name: 'sampling', reason: 'auto: inspector available' }
      : { name: 'process', reason: 'auto: sampling profiler unavailable' },
    overheadMs: 0.05,
    failures: [],
  };
  if (extra.allocations !== undefined) record.allocations = extra.allocations;
  if (extra.allocationsUnavailable !== undefined)
    record.allocationsUnavailable = extra.allocationsUnavailable;
  return record;
}

/** A record's summary as a store that knows only the basic fields would list it (no backend, profiles, …). */
export function basicSummary(record: RequestRecord): RecordSummary {
  const { backend, overlapping, allocatedUnavailable, hasAllocations, hasHeap, ...basic } = summarize(record);
  return basic;
}
