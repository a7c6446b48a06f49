/**
 * The compare page's main table: each figure of the two records side by side with B − A, in four groups (the
 * request itself, its memory, how it was measured, its profiles) and ramflow's own overhead last.
 */
import { formatBytes, formatMs, formatSignedBytes } from '../../format.js';
import { badgeAllocated, badgeHeapDelta } from '../../panels/summary.js';
import { plural } from '../../plural.js';
import type { RequestRecord } from '../../types.js';
import { bytesDiff, cell, countDiff, type Diff, MORE, msDiff, naCell, row, sameOrNot } from './cells.js';
import { noAllocations, noHeap } from './unavailable.js';
import type { CompareCell, CompareRow } from './view.js';

export function figureRows(a: RequestRecord, b: RequestRecord): CompareRow[] {
  return [
    ...requestRows(a, b),
    ...memoryRows(a, b),
    ...measurementRows(a, b),
    ...profileRows(a, b),
    row(
      'ramflow overhead',
      cell(formatMs(a.overheadMs)),
      cell(formatMs(b.overheadMs)),
      msDiff(b.overheadMs - a.overheadMs, ['more', 'less']),
    ),
  ];
}

/** When each started, what was asked, the answer's status and how long it took. */
function requestRows(a: RequestRecord, b: RequestRecord): CompareRow[] {
  return [
    row('Started', cell(a.startedAt), cell(b.startedAt), startedDiff(a, b)),
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
    row(
      'Status',
      cell(String(a.response.statusCode)),
      cell(String(b.response.statusCode)),
      sameOrNot(a.response.statusCode, b.response.statusCode),
    ),
    row(
      'Duration',
      cell(formatMs(a.durationMs)),
      cell(formatMs(b.durationMs)),
      msDiff(b.durationMs - a.durationMs, ['slower', 'faster']),
    ),
  ];
}

function startedDiff(a: RequestRecord, b: RequestRecord): Diff {
  const started = Date.parse(b.startedAt) - Date.parse(a.startedAt);
  if (!Number.isFinite(started)) return { diff: 'n/a: a start time is not a valid date', direction: 'na' };
  if (started === 0) return { diff: 'same time', direction: 'info' };
  return {
    diff: `B ${formatSpan(Math.abs(started))} ${started > 0 ? 'after' : 'before'} A`,
    direction: 'info',
  };
}

/** Heap delta, allocated bytes, garbage collections and off-heap memory. */
function memoryRows(a: RequestRecord, b: RequestRecord): CompareRow[] {
  const eitherRaw = a.memory.heapDeltaKind === 'raw' || b.memory.heapDeltaKind === 'raw';
  const aAlloc = a.memory.allocatedBytes;
  const bAlloc = b.memory.allocatedBytes;
  return [
    row(
      'Heap delta',
      heapDeltaCell(a),
      heapDeltaCell(b),
      bytesDiff(b.memory.heapDeltaBytes - a.memory.heapDeltaBytes, ['more', 'less'], eitherRaw ? '~' : ''),
      eitherRaw ? '~: a raw delta includes garbage not yet collected, so the difference does too' : undefined,
    ),
    row(
      'Allocated',
      allocatedCell(a),
      allocatedCell(b),
      aAlloc === null || bAlloc === null
        ? { diff: `n/a: ${aAlloc === null ? 'A' : 'B'} has no allocated figure`, direction: 'na' }
        : bytesDiff(bAlloc - aAlloc),
    ),
    row('GC count', gcCell(a), gcCell(b), countDiff(b.memory.gc.count - a.memory.gc.count)),
    row(
      'GC pause',
      cell(formatMs(a.memory.gc.pauseMs)),
      cell(formatMs(b.memory.gc.pauseMs)),
      msDiff(b.memory.gc.pauseMs - a.memory.gc.pauseMs, ['longer', 'shorter']),
    ),
    row(
      'External delta',
      externalCell(a),
      externalCell(b),
      bytesDiff(b.memory.externalDeltaBytes - a.memory.externalDeltaBytes),
    ),
  ];
}

function heapDeltaCell(record: RequestRecord): CompareCell {
  return cell(
    `${badgeHeapDelta(record.memory)} (${record.memory.heapDeltaKind})`,
    record.memory.heapDeltaKind === 'exact'
      ? 'exact: live-heap change, garbage collected at both ends'
      : 'raw: used-heap change, includes garbage not yet collected',
  );
}

function allocatedCell(record: RequestRecord): CompareCell {
  return record.memory.allocatedBytes === null
    ? naCell(record.memory.allocatedUnavailable ?? 'V8 GC accounting could not determine it')
    : cell(badgeAllocated(record.memory), 'exact, from V8 GC accounting');
}

function gcCell(record: RequestRecord): CompareCell {
  const { count, forced } = record.memory.gc;
  return cell(`${count}${forced > 0 ? ` (${forced} forced by ramflow)` : ''}`);
}

function externalCell(record: RequestRecord): CompareCell {
  return cell(
    formatSignedBytes(record.memory.externalDeltaBytes),
    'Buffers, ArrayBuffers and other memory outside the JS heap',
  );
}

/** Whether other requests shared the window, and which backend measured each. */
function measurementRows(a: RequestRecord, b: RequestRecord): CompareRow[] {
  const bothExclusive = a.concurrency.exclusive && b.concurrency.exclusive;
  return [
    row(
      'Overlap',
      overlapCell(a),
      overlapCell(b),
      bothExclusive
        ? { diff: 'both exclusive', direction: 'same' }
        : { diff: 'shared figures: differences are not the requests\u2019 alone', direction: 'info' },
    ),
    row(
      'Backend',
      cell(a.backend.name, a.backend.reason),
      cell(b.backend.name, b.backend.reason),
      sameOrNot(a.backend.name, b.backend.name),
    ),
  ];
}

function overlapCell(record: RequestRecord): CompareCell {
  const { exclusive, overlapping } = record.concurrency;
  return exclusive
    ? cell('exclusive', 'no other profiled request overlapped it: its figures are its own')
    : cell(
        `shared ×${overlapping}`,
        `${plural(overlapping, 'other profiled request')} overlapped it: its figures include theirs`,
      );
}

/** The totals of the sampled allocation profile and of the heap snapshot diff, when each side has one. */
function profileRows(a: RequestRecord, b: RequestRecord): CompareRow[] {
  const aProfile = a.allocations;
  const bProfile = b.allocations;
  const aHeap = a.heap;
  const bHeap = b.heap;
  return [
    row(
      'Sampled allocations',
      sampledCell(a),
      sampledCell(b),
      aProfile === undefined || bProfile === undefined
        ? { diff: `n/a: ${aProfile === undefined ? 'A' : 'B'} has no allocation stacks`, direction: 'na' }
        : aProfile.view !== bProfile.view
          ? { diff: `n/a: A shows ${aProfile.view} bytes, B ${bProfile.view}`, direction: 'na' }
          : bytesDiff(bProfile.totalBytes - aProfile.totalBytes, MORE, '~'),
      'sampled estimates: small differences are noise',
    ),
    row(
      'New live objects',
      liveCell(a),
      liveCell(b),
      aHeap === undefined || bHeap === undefined
        ? { diff: `n/a: ${aHeap === undefined ? 'A' : 'B'} has no heap snapshots`, direction: 'na' }
        : bytesDiff(bHeap.totals.selfBytes - aHeap.totals.selfBytes),
    ),
  ];
}

function sampledCell(record: RequestRecord): CompareCell {
  return record.allocations === undefined
    ? naCell(noAllocations(record))
    : cell(`${formatBytes(record.allocations.totalBytes)} (${record.allocations.view})`, 'sampled estimate');
}

function liveCell(record: RequestRecord): CompareCell {
  return record.heap === undefined
    ? naCell(noHeap(record))
    : cell(
        `${record.heap.totals.count} objects, ${formatBytes(record.heap.totals.selfBytes)}`,
        'new objects still alive after the request (heap snapshots before and after)',
      );
}

/** A time span: `850 ms`, `3.2 s`, `4 min 5 s`. */
function formatSpan(ms: number): string {
  if (ms < 1000) return formatMs(ms);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
