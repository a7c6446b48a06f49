import { toHeapProfile } from '../../export/heapprofile.js';
import { toPprof } from '../../export/pprof.js';
import { toSpeedscope } from '../../export/speedscope.js';
import { editorLink } from '../../profile/editor-link.js';
import { flameGraphData, flameGraphDiff, parseHide } from '../../profile/flame-graph.js';
import { topFunctions } from '../../profile/views.js';
import type {
  AllocationProfile,
  FrameKind,
  FunctionRanking,
  ProfileFrame,
  RequestRecord,
} from '../../types.js';
import { type Exchange, JSON_TYPE } from './exchange.js';
import type { Route } from './route.js';

/** Downloadable exports of a request's allocation profile, by the last segment of their route. */
const PROFILE_EXPORTS: Record<
  string,
  {
    type: string;
    extension: string;
    body(profile: AllocationProfile, record: RequestRecord): string | Buffer;
  }
> = {
  'profile.heapprofile': {
    type: JSON_TYPE,
    extension: 'heapprofile',
    body: (profile) => toHeapProfile(profile),
  },
  'profile.pb.gz': {
    type: 'application/octet-stream',
    extension: 'pb.gz',
    body: (profile) => toPprof(profile),
  },
  'profile.speedscope.json': {
    type: JSON_TYPE,
    extension: 'speedscope.json',
    body: (profile, record) =>
      JSON.stringify(toSpeedscope(profile, `${record.request.method} ${record.request.url}`)),
  },
};

const FRAME_KINDS: ReadonlySet<string> = new Set<FrameKind>(['app', 'dependency', 'node', 'ramflow']);
const RANKINGS: ReadonlySet<string> = new Set<FunctionRanking>(['self', 'total']);
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** The validated query of `/api/requests/:id/allocations`, or the message of a 400 answer. */
function parseAllocationsQuery(
  search: string,
): { by: FunctionRanking; hide: FrameKind[]; limit: number } | { error: string } {
  const params = new URLSearchParams(search);
  for (const name of ['by', 'hide', 'limit']) {
    if (params.getAll(name).length > 1) return { error: `give "${name}" at most once` };
  }
  const by = params.get('by') ?? 'self';
  if (!RANKINGS.has(by)) return { error: '"by" must be "self" or "total"' };
  const hide: FrameKind[] = [];
  for (const kind of (params.get('hide') ?? '').split(',')) {
    if (kind === '') continue;
    if (!FRAME_KINDS.has(kind))
      return { error: '"hide" must list frame kinds among app, dependency, node, ramflow' };
    if (!hide.includes(kind as FrameKind)) hide.push(kind as FrameKind);
  }
  const limitText = params.get('limit') ?? String(DEFAULT_LIMIT);
  const limit = /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    return { error: `"limit" must be an integer from 1 to ${MAX_LIMIT}` };
  return { by: by as FunctionRanking, hide, limit };
}

/** The allocation profile of request `id`, or undefined after answering 404 with why there is none. */
async function profileOf(
  exchange: Exchange,
  id: string,
): Promise<{ record: RequestRecord; profile: AllocationProfile } | undefined> {
  const record = await exchange.record(id);
  if (record === undefined) return undefined;
  if (record.allocations === undefined) {
    exchange.notFound(
      record.allocationsUnavailable ??
        `Request ${record.id} has no allocation profile: the sampling backend did not run for it (backend ${record.backend.name}).`,
    );
    return undefined;
  }
  return { record, profile: record.allocations };
}

/** The flame graph's data for one request, or the difference of two (`/api/compare/flamegraph.json?a=…&b=…`). */
async function flameGraph(exchange: Exchange, ids: string[]): Promise<void> {
  const params = exchange.params;
  const options = {
    hide: parseHide(params.get('hide')),
    editorLink: (frame: ProfileFrame) => editorLink(frame, exchange.host.editorUrl),
  };
  const profiles: AllocationProfile[] = [];
  for (const id of ids) {
    const found = await profileOf(exchange, id);
    if (found === undefined) return;
    profiles.push(found.profile);
  }
  const [first, second] = profiles as [AllocationProfile, AllocationProfile | undefined];
  exchange.json(
    200,
    second === undefined
      ? { id: ids[0], ...flameGraphData(first, options) }
      : { a: ids[0], b: ids[1], ...flameGraphDiff(first, second, options) },
  );
}

/** A request's allocation profile: the flame graph's data, the top functions, and exports for other tools. */
export const profileRoutes: readonly Route[] = [
  {
    path: /^\/api\/requests\/([^/]+)\/flamegraph\.json$/,
    handle: (exchange, [id]) => flameGraph(exchange, [id as string]),
  },
  {
    path: '/api/compare/flamegraph.json',
    handle: (exchange) =>
      flameGraph(exchange, [exchange.params.get('a') ?? '', exchange.params.get('b') ?? '']),
  },
  {
    path: /^\/api\/requests\/([^/]+)\/allocations$/,
    async handle(exchange, [id]) {
      const query = parseAllocationsQuery(exchange.search);
      if ('error' in query) {
        exchange.json(400, { error: 'bad_request', message: query.error });
        return;
      }
      const found = await profileOf(exchange, id as string);
      if (found === undefined) return;
      const { record, profile } = found;
      const { by, hide, limit } = query;
      exchange.json(200, {
        id: record.id,
        view: profile.view,
        totalBytes: profile.totalBytes,
        samplingInterval: profile.samplingInterval,
        sampleCount: profile.sampleCount,
        by,
        hide,
        limit,
        rows: topFunctions(profile, { by, hide: new Set(hide), limit }),
      });
    },
  },
  {
    path: /^\/api\/requests\/([^/]+)\/(profile\.heapprofile|profile\.pb\.gz|profile\.speedscope\.json)$/,
    async handle(exchange, [id, route]) {
      const format = PROFILE_EXPORTS[route as string];
      if (format === undefined) return exchange.notFound('No such export.');
      const found = await profileOf(exchange, id as string);
      if (found === undefined) return;
      const { record, profile } = found;
      exchange.send(200, format.type, format.body(profile, record), {
        'content-disposition': `attachment; filename="ramflow-${record.id}.${format.extension}"`,
      });
    },
  },
];
