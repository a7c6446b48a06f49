import { formatBytes, formatMs, formatSignedBytes } from '../format.js';
import { isValidRequestId } from '../ids.js';
import { badgeAllocated, badgeHeapDelta } from '../panels/summary.js';
import { type FunctionRow, formatLocation, topFunctions } from '../profile/views.js';
import type { AllocationProfile, FrameKind, HeapObjectGroup, RequestRecord } from '../types.js';

/** Functions taken from each side's ranking before they are matched (the table has at most twice this). */
const TOP_FUNCTIONS = 15;
/** Heap-object classes shown, largest retained change first. */
const TOP_GROUPS = 25;
/** As the Allocations panel: Node.js internals and ramflow's own frames are hidden; their bytes count in callers. */
const HIDDEN: ReadonlySet<FrameKind> = new Set<FrameKind>(['node', 'ramflow']);

/** The two requests to compare. */
export interface CompareIds {
  a: string;
  b: string;
  /**
   * True when the query named them `a` and `b`: that order is kept. From the history's checkboxes (`id` twice) the
   * older request becomes A and the newer B, so B − A reads "what changed since".
   */
  explicit: boolean;
}

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

/** One side's value in a comparison row. */
export interface CompareCell {
  text: string;
  /** What the figure means, or why it is n/a. */
  title: string | undefined;
  /** The record does not have this figure (`text` is `n/a: <reason>`). */
  na: boolean;
}

/** Which way B differs from A: drives the colour of the difference. */
export type CompareDirection = 'up' | 'down' | 'same' | 'na' | 'info';

/** A figure of both requests and B − A. */
export interface CompareRow {
  label: string;
  a: CompareCell;
  b: CompareCell;
  /** `+1.2 MB more`, `-3.0 ms faster`, `same`, `differs`, or `n/a: …`. */
  diff: string;
  direction: CompareDirection;
  note: string | undefined;
}

/** One request's header on the compare page. */
export interface CompareSide {
  label: 'A' | 'B';
  id: string;
  href: string;
  method: string;
  url: string;
  startedAt: string;
  statusCode: number;
  parentId: string | undefined;
  parentHref: string | undefined;
}

/** A function in either profile, its self bytes in each and the change. */
export interface FunctionDiffRow {
  name: string;
  location: string;
  kind: FrameKind;
  a: CompareCell;
  b: CompareCell;
  diff: string;
  direction: CompareDirection;
}

/** A class of new live objects in either heap diff, and the change. */
export interface HeapGroupDiffRow {
  name: string;
  type: string;
  aCount: string;
  bCount: string;
  countDiff: string;
  aRetained: string;
  bRetained: string;
  retainedDiff: string;
  direction: CompareDirection;
}

/** A comparison table, or the reasons it cannot be made. */
export type CompareSection<T> =
  | { available: true; rows: T[]; notes: string[] }
  | { available: false; reasons: string[] };

/** Template data of dashboard/compare.hbs for two records. */
export interface CompareView {
  ok: true;
  status: 200;
  basePath: string;
  a: CompareSide;
  b: CompareSide;
  /** `/compare?a=<b>&b=<a>`. */
  swapHref: string;
  /** Why A is A: the order given, or the older of the two. */
  orderNote: string;
  rows: CompareRow[];
  /** Things that make the differences less meaningful (shared windows, raw vs exact, different backends). */
  warnings: string[];
  functions: CompareSection<FunctionDiffRow>;
  heapObjects: CompareSection<HeapGroupDiffRow>;
  /** The flame graph diff's JSON (both sides have allocation profiles), else undefined. */
  flameSrc: string | undefined;
  /** Why there is no flame graph diff. */
  flameUnavailable: string | undefined;
  /** Both are sampled estimates: what a sample stands for on each side. */
  samplingNote: string;
}

/** Template data of dashboard/compare.hbs when there is nothing to compare. */
export interface CompareErrorView {
  ok: false;
  status: 400 | 404;
  basePath: string;
  messages: string[];
}

export type ComparePageData = CompareView | CompareErrorView;

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

  const warnings: string[] = [];
  for (const [label, record] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (!record.concurrency.exclusive) {
      const n = record.concurrency.overlapping;
      warnings.push(
        `${label} shared its window with ${n} other profiled request${n === 1 ? '' : 's'}: its figures include theirs, so part of any difference may be theirs.`,
      );
    }
  }
  if (a.memory.heapDeltaKind !== b.memory.heapDeltaKind)
    warnings.push(
      'One heap delta is exact (live heap after a collection) and the other raw (includes uncollected garbage): their difference mixes the two.',
    );
  if (a.backend.name !== b.backend.name)
    warnings.push(
      `The requests were measured by different backends (A: ${a.backend.name}, B: ${b.backend.name}): only the process figures are comparable one to one.`,
    );

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
    warnings,
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

const cell = (text: string, title?: string): CompareCell => ({ text, title, na: false });
const naCell = (reason: string): CompareCell => ({ text: `n/a: ${reason}`, title: undefined, na: true });

/** Words for a change in each direction, e.g. ['more', 'less'] or ['slower', 'faster']. */
type Words = readonly [up: string, down: string];
const MORE: Words = ['more', 'less'];

/** `+1.2 MB more` / `-500 KB less` / `same`, with its direction. */
function bytesDiff(delta: number, words: Words = MORE, prefix = ''): Pick<CompareRow, 'diff' | 'direction'> {
  const text = formatSignedBytes(delta);
  if (text === '0 B') return { diff: delta === 0 ? 'same' : 'about the same (under 1 B)', direction: 'same' };
  return {
    diff: `${prefix}${text} ${delta > 0 ? words[0] : words[1]}`,
    direction: delta > 0 ? 'up' : 'down',
  };
}

function msDiff(delta: number, words: Words): Pick<CompareRow, 'diff' | 'direction'> {
  const text = formatMs(Math.abs(delta));
  if (Number(Math.abs(delta).toFixed(2)) === 0) return { diff: 'same', direction: 'same' };
  return {
    diff: `${delta > 0 ? '+' : '-'}${text} ${delta > 0 ? words[0] : words[1]}`,
    direction: delta > 0 ? 'up' : 'down',
  };
}

function countDiff(delta: number, words: Words = ['more', 'fewer']): Pick<CompareRow, 'diff' | 'direction'> {
  if (delta === 0) return { diff: 'same', direction: 'same' };
  return {
    diff: `${delta > 0 ? '+' : '-'}${Math.abs(delta)} ${delta > 0 ? words[0] : words[1]}`,
    direction: delta > 0 ? 'up' : 'down',
  };
}

function sameOrNot(a: unknown, b: unknown): Pick<CompareRow, 'diff' | 'direction'> {
  return a === b ? { diff: 'same', direction: 'same' } : { diff: 'differs', direction: 'info' };
}

function row(
  label: string,
  a: CompareCell,
  b: CompareCell,
  diff: Pick<CompareRow, 'diff' | 'direction'>,
  note?: string,
): CompareRow {
  return { label, a, b, ...diff, note };
}

function figureRows(a: RequestRecord, b: RequestRecord): CompareRow[] {
  const rows: CompareRow[] = [];
  const started = Date.parse(b.startedAt) - Date.parse(a.startedAt);
  rows.push(
    row(
      'Started',
      cell(a.startedAt),
      cell(b.startedAt),
      Number.isFinite(started)
        ? started === 0
          ? { diff: 'same time', direction: 'info' }
          : {
              diff: `B ${formatSpan(Math.abs(started))} ${started > 0 ? 'after' : 'before'} A`,
              direction: 'info',
            }
        : { diff: 'n/a: a start time is not a valid date', direction: 'na' },
    ),
  );
  rows.push(
    row(
      'Request',
      cell(`${a.request.method} ${a.request.url}`),
      cell(`${b.request.method} ${b.request.url}`),
      a.request.method === b.request.method && a.request.url === b.request.url
        ? { diff: 'same', direction: 'same' }
        : a.request.method === b.request.method && a.request.path === b.request.path
          ? { diff: 'same path, different query', direction: 'info' }
          : { diff: 'different requests', direction: 'info' },
    ),
  );
  rows.push(
    row(
      'Status',
      cell(String(a.response.statusCode)),
      cell(String(b.response.statusCode)),
      sameOrNot(a.response.statusCode, b.response.statusCode),
    ),
  );
  rows.push(
    row(
      'Duration',
      cell(formatMs(a.durationMs)),
      cell(formatMs(b.durationMs)),
      msDiff(b.durationMs - a.durationMs, ['slower', 'faster']),
    ),
  );
  const heapTitle = (record: RequestRecord) =>
    record.memory.heapDeltaKind === 'exact'
      ? 'exact: live-heap change, garbage collected at both ends'
      : 'raw: used-heap change, includes garbage not yet collected';
  const eitherRaw = a.memory.heapDeltaKind === 'raw' || b.memory.heapDeltaKind === 'raw';
  rows.push(
    row(
      'Heap delta',
      cell(`${badgeHeapDelta(a.memory)} (${a.memory.heapDeltaKind})`, heapTitle(a)),
      cell(`${badgeHeapDelta(b.memory)} (${b.memory.heapDeltaKind})`, heapTitle(b)),
      bytesDiff(b.memory.heapDeltaBytes - a.memory.heapDeltaBytes, ['more', 'less'], eitherRaw ? '~' : ''),
      eitherRaw ? '~: a raw delta includes garbage not yet collected, so the difference does too' : undefined,
    ),
  );
  const allocated = (record: RequestRecord): CompareCell =>
    record.memory.allocatedBytes === null
      ? naCell(record.memory.allocatedUnavailable ?? 'V8 GC accounting could not determine it')
      : cell(badgeAllocated(record.memory), 'exact, from V8 GC accounting');
  const aAlloc = a.memory.allocatedBytes;
  const bAlloc = b.memory.allocatedBytes;
  rows.push(
    row(
      'Allocated',
      allocated(a),
      allocated(b),
      aAlloc === null || bAlloc === null
        ? { diff: `n/a: ${aAlloc === null ? 'A' : 'B'} has no allocated figure`, direction: 'na' }
        : bytesDiff(bAlloc - aAlloc),
    ),
  );
  const gc = (record: RequestRecord) => {
    const { count, forced } = record.memory.gc;
    return cell(`${count}${forced > 0 ? ` (${forced} forced by ramflow)` : ''}`);
  };
  rows.push(row('GC count', gc(a), gc(b), countDiff(b.memory.gc.count - a.memory.gc.count)));
  rows.push(
    row(
      'GC pause',
      cell(formatMs(a.memory.gc.pauseMs)),
      cell(formatMs(b.memory.gc.pauseMs)),
      msDiff(b.memory.gc.pauseMs - a.memory.gc.pauseMs, ['longer', 'shorter']),
    ),
  );
  rows.push(
    row(
      'External delta',
      cell(
        formatSignedBytes(a.memory.externalDeltaBytes),
        'Buffers, ArrayBuffers and other memory outside the JS heap',
      ),
      cell(
        formatSignedBytes(b.memory.externalDeltaBytes),
        'Buffers, ArrayBuffers and other memory outside the JS heap',
      ),
      bytesDiff(b.memory.externalDeltaBytes - a.memory.externalDeltaBytes),
    ),
  );
  const overlap = (record: RequestRecord): CompareCell => {
    const { exclusive, overlapping } = record.concurrency;
    return exclusive
      ? cell('exclusive', 'no other profiled request overlapped it: its figures are its own')
      : cell(
          `shared ×${overlapping}`,
          `${overlapping} other profiled request${overlapping === 1 ? '' : 's'} overlapped it: its figures include theirs`,
        );
  };
  const bothExclusive = a.concurrency.exclusive && b.concurrency.exclusive;
  rows.push(
    row(
      'Overlap',
      overlap(a),
      overlap(b),
      bothExclusive
        ? { diff: 'both exclusive', direction: 'same' }
        : { diff: 'shared figures: differences are not the requests\u2019 alone', direction: 'info' },
    ),
  );
  rows.push(
    row(
      'Backend',
      cell(a.backend.name, a.backend.reason),
      cell(b.backend.name, b.backend.reason),
      sameOrNot(a.backend.name, b.backend.name),
    ),
  );
  const sampled = (record: RequestRecord): CompareCell =>
    record.allocations === undefined
      ? naCell(noAllocations(record))
      : cell(
          `${formatBytes(record.allocations.totalBytes)} (${record.allocations.view})`,
          'sampled estimate',
        );
  const aProfile = a.allocations;
  const bProfile = b.allocations;
  rows.push(
    row(
      'Sampled allocations',
      sampled(a),
      sampled(b),
      aProfile === undefined || bProfile === undefined
        ? { diff: `n/a: ${aProfile === undefined ? 'A' : 'B'} has no allocation stacks`, direction: 'na' }
        : aProfile.view !== bProfile.view
          ? { diff: `n/a: A shows ${aProfile.view} bytes, B ${bProfile.view}`, direction: 'na' }
          : bytesDiff(bProfile.totalBytes - aProfile.totalBytes, MORE, '~'),
      'sampled estimates: small differences are noise',
    ),
  );
  const live = (record: RequestRecord): CompareCell =>
    record.heap === undefined
      ? naCell(noHeap(record))
      : cell(
          `${record.heap.totals.count} objects, ${formatBytes(record.heap.totals.selfBytes)}`,
          'new objects still alive after the request (heap snapshots before and after)',
        );
  const aHeap = a.heap;
  const bHeap = b.heap;
  rows.push(
    row(
      'New live objects',
      live(a),
      live(b),
      aHeap === undefined || bHeap === undefined
        ? { diff: `n/a: ${aHeap === undefined ? 'A' : 'B'} has no heap snapshots`, direction: 'na' }
        : bytesDiff(bHeap.totals.selfBytes - aHeap.totals.selfBytes),
    ),
  );
  rows.push(
    row(
      'ramflow overhead',
      cell(formatMs(a.overheadMs)),
      cell(formatMs(b.overheadMs)),
      msDiff(b.overheadMs - a.overheadMs, ['more', 'less']),
    ),
  );
  return rows;
}

/** The functions ranked by self bytes on either side, matched by name, script and line, B − A. */
function functionDiff(a: RequestRecord, b: RequestRecord): CompareSection<FunctionDiffRow> {
  const aProfile = a.allocations;
  const bProfile = b.allocations;
  if (aProfile === undefined || bProfile === undefined) {
    return {
      available: false,
      reasons: [
        ...(aProfile === undefined ? [`A: n/a: ${noAllocations(a)}`] : []),
        ...(bProfile === undefined ? [`B: n/a: ${noAllocations(b)}`] : []),
      ],
    };
  }
  const aRows = bySelf(aProfile);
  const bRows = bySelf(bProfile);
  const keys = new Set<string>();
  for (const key of [...aRows.keys()].slice(0, TOP_FUNCTIONS)) keys.add(key);
  for (const key of [...bRows.keys()].slice(0, TOP_FUNCTIONS)) keys.add(key);
  const notSampled = (label: string, profile: AllocationProfile): CompareCell => ({
    text: 'not sampled',
    title: `no sample landed in it in ${label}'s profile: it allocated less than about ${formatBytes(profile.samplingInterval)} there, or did not run`,
    na: false,
  });
  const rows = [...keys].map((key) => {
    const inA = aRows.get(key);
    const inB = bRows.get(key);
    const frame = (inA ?? inB)?.frame;
    const delta = (inB?.selfBytes ?? 0) - (inA?.selfBytes ?? 0);
    return {
      sort: Math.abs(delta),
      size: Math.max(inA?.selfBytes ?? 0, inB?.selfBytes ?? 0),
      row: {
        name: frame?.name ?? '(unknown)',
        location: frame === undefined ? '' : formatLocation(frame),
        kind: frame?.kind ?? 'app',
        a: inA === undefined ? notSampled('A', aProfile) : cell(formatBytes(inA.selfBytes)),
        b: inB === undefined ? notSampled('B', bProfile) : cell(formatBytes(inB.selfBytes)),
        ...bytesDiff(delta, MORE, '~'),
      } satisfies FunctionDiffRow,
    };
  });
  rows.sort((x, y) => y.sort - x.sort || y.size - x.size || x.row.name.localeCompare(y.row.name));
  const notes = [
    `Functions among the top ${TOP_FUNCTIONS} by self bytes in A or in B, matched by name, script and line; largest change first. Node.js internals and ramflow's own frames are hidden (their bytes count in their callers).`,
  ];
  if (aProfile.view !== bProfile.view)
    notes.push(
      `A shows ${aProfile.view} bytes and B ${bProfile.view} bytes: the two are not the same measure.`,
    );
  return { available: true, rows: rows.map((entry) => entry.row), notes };
}

/** A profile's functions by self bytes, keyed by name, script and line (column left out: it moves with edits). */
function bySelf(profile: AllocationProfile): Map<string, FunctionRow> {
  const rows = new Map<string, FunctionRow>();
  for (const row of topFunctions(profile, { by: 'self', hide: HIDDEN })) {
    const key = `${row.frame.name}\u0000${row.frame.url}\u0000${row.frame.line}`;
    const existing = rows.get(key);
    // Two frames can share name, script and line (different columns): add them up.
    if (existing === undefined) rows.set(key, { ...row });
    else {
      existing.selfBytes += row.selfBytes;
      existing.totalBytes += row.totalBytes;
    }
  }
  return new Map([...rows].sort((x, y) => y[1].selfBytes - x[1].selfBytes));
}

/** New live objects by class in both heap diffs, B − A. */
function heapDiff(a: RequestRecord, b: RequestRecord): CompareSection<HeapGroupDiffRow> {
  const aHeap = a.heap;
  const bHeap = b.heap;
  if (aHeap === undefined || bHeap === undefined) {
    return {
      available: false,
      reasons: [
        ...(aHeap === undefined ? [`A: n/a: ${noHeap(a)}`] : []),
        ...(bHeap === undefined ? [`B: n/a: ${noHeap(b)}`] : []),
      ],
    };
  }
  const key = (group: HeapObjectGroup) => `${group.constructorName}\u0000${group.type}`;
  const aGroups = new Map(aHeap.newObjects.map((group) => [key(group), group]));
  const bGroups = new Map(bHeap.newObjects.map((group) => [key(group), group]));
  const keys = new Set([...aGroups.keys(), ...bGroups.keys()]);
  const rows = [...keys].map((k) => {
    const inA = aGroups.get(k);
    const inB = bGroups.get(k);
    const group = (inA ?? inB) as HeapObjectGroup;
    const retained = (inB?.retainedBytes ?? 0) - (inA?.retainedBytes ?? 0);
    const diff = bytesDiff(retained);
    return {
      sort: Math.abs(retained),
      row: {
        name: group.constructorName,
        type: group.type,
        aCount: String(inA?.count ?? 0),
        bCount: String(inB?.count ?? 0),
        countDiff: countDiff((inB?.count ?? 0) - (inA?.count ?? 0)).diff,
        aRetained: formatBytes(inA?.retainedBytes ?? 0),
        bRetained: formatBytes(inB?.retainedBytes ?? 0),
        retainedDiff: diff.diff,
        direction: diff.direction,
      } satisfies HeapGroupDiffRow,
    };
  });
  rows.sort((x, y) => y.sort - x.sort || x.row.name.localeCompare(y.row.name));
  const notes = [
    'New objects still alive after each request, by class, matched by class name and type; largest change of retained size first.',
  ];
  if (rows.length > TOP_GROUPS)
    notes.push(`${rows.length - TOP_GROUPS} classes with smaller changes are not shown.`);
  for (const [label, heap] of [
    ['A', aHeap],
    ['B', bHeap],
  ] as const) {
    if (heap.omitted !== undefined && heap.omitted.groups > 0)
      notes.push(
        `${label}'s record merged ${heap.omitted.groups} small classes (${heap.omitted.count} objects, ${formatBytes(heap.omitted.selfBytes)}); they are not compared.`,
      );
  }
  return { available: true, rows: rows.slice(0, TOP_GROUPS).map((entry) => entry.row), notes };
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

function noAllocations(record: RequestRecord): string {
  return stripStop(
    record.allocationsUnavailable ??
      `the sampling backend did not run for it (backend ${record.backend.name})`,
  );
}

function noHeap(record: RequestRecord): string {
  return stripStop(
    record.heapUnavailable ?? 'no heap snapshots were taken for it (ask with ?ramflow=snapshot)',
  );
}

function stripStop(text: string): string {
  return text.trim().replace(/\.$/, '');
}

/** A time span: `850 ms`, `3.2 s`, `4 min 5 s`. */
function formatSpan(ms: number): string {
  if (ms < 1000) return formatMs(ms);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
