/**
 * The `/compare` page: the two request ids of its query, and its template data (dashboard/compare.hbs) built from
 * the two stored records. The tables come from figure-rows.ts, function-diff.ts and heap-diff.ts.
 */
import { formatBytes } from '../../format.js';
import { isValidRequestId } from '../../ids.js';
import { plural } from '../../plural.js';
import type { AllocationProfile, RequestRecord } from '../../types.js';
import { figureRows } from './figure-rows.js';
import { functionDiff } from './function-diff.js';
import { heapDiff } from './heap-diff.js';
import { noAllocations } from './unavailable.js';
import type { CompareErrorView, CompareIds, ComparePageData, CompareSide } from './view.js';

/**
 * The two request ids of `/compare`: `?a=<id>&b=<id>` (links, kept in that order), or exactly two `id` values
 * (the history page's checkboxes; the older becomes A). Returns the message of a 400 answer when they are not
 * two valid, distinct request ids.
 */
export function parseCompareQuery(query: string | URLSearchParams): CompareIds | { error: string } {
  const params =
    typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const nonEmpty = (name: string) => params.getAll(name).filter((value) => value.trim() !== '');
  let a: string;
  let b: string;
  let explicit: boolean;
  if (params.has('a') || params.has('b')) {
    const as = nonEmpty('a');
    const bs = nonEmpty('b');
    if (as.length !== 1 || bs.length !== 1)
      return { error: 'Give exactly one "a" and one "b" request id: /compare?a=<id>&b=<id>.' };
    a = (as[0] as string).trim();
    b = (bs[0] as string).trim();
    explicit = true;
  } else {
    const ids = nonEmpty('id');
    if (ids.length === 0)
      return {
        error: 'Tick two requests in the history and press "Compare" (or open /compare?a=<id>&b=<id>).',
      };
    if (ids.length === 1) return { error: 'Only one request was ticked: tick two to compare them.' };
    if (ids.length > 2)
      return { error: `${ids.length} requests were ticked: tick exactly two to compare them.` };
    a = (ids[0] as string).trim();
    b = (ids[1] as string).trim();
    explicit = false;
  }
  for (const [side, id] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (!isValidRequestId(id)) return { error: `Request ${side} is not a ramflow request id.` };
  }
  if (a === b) return { error: 'A and B are the same request: pick two different ones.' };
  return { a, b, explicit };
}

/** The compare page's data for a bad query (status 400 by default). */
export function compareError(basePath: string, message: string, status: 400 | 404 = 400): CompareErrorView {
  return { ok: false, status, basePath, messages: [message] };
}

/**
 * Builds the compare page of two stored records (`undefined` when the store has no record for that id: evicted or
 * never existed): their figures side by side with B − A, the functions whose self bytes changed, the heap-object
 * classes whose retained size changed (when both took heap snapshots), and the flame graph diff's source. A figure
 * a side lacks reads `n/a: <reason>`, never 0.
 */
export function comparePage(
  recordA: RequestRecord | undefined,
  recordB: RequestRecord | undefined,
  ids: CompareIds,
  basePath: string,
): ComparePageData {
  const missing: string[] = [];
  if (recordA === undefined)
    missing.push(`No record for request A (${ids.a}): it may have been evicted from the bounded history.`);
  if (recordB === undefined)
    missing.push(`No record for request B (${ids.b}): it may have been evicted from the bounded history.`);
  if (recordA === undefined || recordB === undefined)
    return { ok: false, status: 404, basePath, messages: missing };
  let a = recordA;
  let b = recordB;
  if (!ids.explicit && Date.parse(b.startedAt) < Date.parse(a.startedAt)) [a, b] = [b, a];

  const flameReasons = [
    ...(a.allocations === undefined ? [`A: ${noAllocations(a)}`] : []),
    ...(b.allocations === undefined ? [`B: ${noAllocations(b)}`] : []),
  ];
  return {
    ok: true,
    status: 200,
    basePath,
    a: side('A', a, basePath),
    b: side('B', b, basePath),
    swapHref: `${basePath}/compare?${new URLSearchParams({ a: b.id, b: a.id }).toString()}`,
    orderNote: ids.explicit
      ? 'A and B are in the order the link gave. Differences are B − A.'
      : 'A is the older request, B the newer. Differences are B − A.',
    rows: figureRows(a, b),
    warnings: warnings(a, b),
    functions: functionDiff(a, b),
    heapObjects: heapDiff(a, b),
    flameSrc:
      flameReasons.length === 0
        ? `${basePath}/api/compare/flamegraph.json?${new URLSearchParams({ a: a.id, b: b.id }).toString()}`
        : undefined,
    flameUnavailable:
      flameReasons.length === 0
        ? undefined
        : `No flame graph diff: it needs allocation stacks on both sides. ${flameReasons.join(' ')}`,
    samplingNote: samplingNote(a.allocations, b.allocations),
  };
}

function side(label: 'A' | 'B', record: RequestRecord, basePath: string): CompareSide {
  const parentId = record.request.parentId;
  return {
    label,
    id: record.id,
    href: `${basePath}/requests/${record.id}`,
    method: record.request.method,
    url: record.request.url,
    startedAt: record.startedAt,
    statusCode: record.response.statusCode,
    parentId,
    parentHref: parentId === undefined ? undefined : `${basePath}/requests/${parentId}`,
  };
}

/** What makes the differences less meaningful: shared windows, raw vs exact heap deltas, different backends. */
function warnings(a: RequestRecord, b: RequestRecord): string[] {
  const found: string[] = [];
  for (const [label, record] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (!record.concurrency.exclusive) {
      const n = record.concurrency.overlapping;
      found.push(
        `${label} shared its window with ${plural(n, 'other profiled request')}: its figures include theirs, so part of any difference may be theirs.`,
      );
    }
  }
  if (a.memory.heapDeltaKind !== b.memory.heapDeltaKind)
    found.push(
      'One heap delta is exact (live heap after a collection) and the other raw (includes uncollected garbage): their difference mixes the two.',
    );
  if (a.backend.name !== b.backend.name)
    found.push(
      `The requests were measured by different backends (A: ${a.backend.name}, B: ${b.backend.name}): only the process figures are comparable one to one.`,
    );
  return found;
}

function samplingNote(a: AllocationProfile | undefined, b: AllocationProfile | undefined): string {
  const interval = (label: string, profile: AllocationProfile | undefined) =>
    profile === undefined
      ? `${label}: no profile`
      : `${label}: about one per ${formatBytes(profile.samplingInterval)}`;
  const base =
    'Allocations by function and the flame graph are sampled estimates on both sides: each sample stands for about one sampling interval of bytes, so small differences are noise';
  const differ =
    a !== undefined && b !== undefined && a.samplingInterval !== b.samplingInterval
      ? ' The intervals differ: functions that allocated little may be missing from the coarser side.'
      : '';
  return `${base} (${interval('A', a)}, ${interval('B', b)}).${differ}`;
}
