import { formatBytes, formatMs, formatSignedBytes } from '../format.js';
import { plural } from '../plural.js';
import type { Concurrency, RequestRecord, SeverityThresholds } from '../types.js';
import { snapshotHref } from './heap-objects.js';
import type { Panel } from './panel.js';
import { processCompact } from './process.js';

/** What the Summary panel shows, from header-time figures (toolbar) or from a stored record (dashboard). */
export interface SummaryInput {
  heapDeltaBytes: number;
  heapDeltaKind: 'exact' | 'raw';
  allocatedBytes: number | null;
  allocatedUnavailable?: string | undefined;
  /** The allocation is at least `allocatedBytes`: a collection in the window is not measured yet. */
  allocatedIsLowerBound?: boolean;
  gcCount: number;
  gcPauseMs: number;
  gcByKind?: Record<string, { count: number; pauseMs: number }>;
  gcForced?: number;
  heapUsedBeforeBytes?: number;
  heapUsedAfterBytes?: number;
  externalDeltaBytes?: number;
  arrayBuffersBytes?: number | null;
  rssBytes?: number | null;
  backendName: string;
  backendReason: string;
  concurrency: Concurrency;
  overheadMs: number;
  /** The figures were taken when the headers were written (the toolbar), not from the settled record. */
  atHeaders: boolean;
  /** A settled record's figures when the headers were written (what Server-Timing carries). */
  headerFigures?: { allocatedBytes: number; allocatedIsLowerBound: boolean } | undefined;
  /** What ramflow's own work in the window allocated (left out of `allocatedBytes`). */
  ramflowAllocatedBytes?: number | undefined;
  /** The sampling profile's estimate of the same window, when there is one. */
  sampledBytes?: { totalBytes: number; samples: number; interval: number } | undefined;
  /** What became of the heap snapshots this request asked for (absent when it asked for none). */
  heapSnapshot?: string | undefined;
  /** The same GET request with heap snapshots, offered when it had none (the toolbar's snapshot action). */
  snapshotHref?: string | undefined;
}

export interface SummaryRow {
  label: string;
  value: string;
  note?: string;
}

/** Template data of the Summary panel (templates/panels/summary.hbs). */
export interface SummaryPanel {
  heapDelta: string;
  heapDeltaLabel: string;
  allocated: string;
  severity: 'ok' | 'warn' | 'danger';
  rows: SummaryRow[];
  gcKinds: SummaryRow[];
  exclusive: boolean;
  exclusivity: string;
  snapshotHref: string | undefined;
}

export function summaryInputFromRecord(record: RequestRecord): SummaryInput {
  const memory = record.memory;
  return {
    heapDeltaBytes: memory.heapDeltaBytes,
    heapDeltaKind: memory.heapDeltaKind,
    allocatedBytes: memory.allocatedBytes,
    allocatedUnavailable: memory.allocatedUnavailable,
    gcCount: memory.gc.count,
    gcPauseMs: memory.gc.pauseMs,
    gcByKind: memory.gc.byKind,
    gcForced: memory.gc.forced,
    heapUsedBeforeBytes: memory.heapUsedBeforeBytes,
    heapUsedAfterBytes: memory.heapUsedAfterBytes,
    externalDeltaBytes: memory.externalDeltaBytes,
    arrayBuffersBytes: memory.arrayBuffersBytes,
    rssBytes: memory.rssBytes,
    backendName: record.backend.name,
    backendReason: record.backend.reason,
    concurrency: record.concurrency,
    overheadMs: record.overheadMs,
    atHeaders: false,
    headerFigures: memory.atHeaders,
    ramflowAllocatedBytes: memory.ramflowAllocatedBytes,
    sampledBytes:
      record.allocations === undefined || record.allocations.view !== 'allocated'
        ? undefined
        : {
            totalBytes: record.allocations.totalBytes,
            samples: record.allocations.sampleCount,
            interval: record.allocations.samplingInterval,
          },
    heapSnapshot: heapSnapshotStatus(record),
    snapshotHref:
      record.heap === undefined && record.heapUnavailable === undefined ? snapshotHref(record) : undefined,
  };
}

/** One line about a record's heap snapshots: what they found, or why there are none. */
function heapSnapshotStatus(record: RequestRecord): string | undefined {
  if (record.heapUnavailable !== undefined) return `not taken: ${record.heapUnavailable}`;
  const heap = record.heap;
  if (heap === undefined) return undefined;
  const { count, selfBytes, nativeBytes } = heap.totals;
  const native = nativeBytes > 0 ? ` and ${formatBytes(nativeBytes)} of native memory` : '';
  return `${plural(count, 'new live object')} (${formatBytes(selfBytes)}${native}); see Heap objects`;
}

export function severityOf(
  heapDeltaBytes: number,
  thresholds: Required<SeverityThresholds>,
): SummaryPanel['severity'] {
  if (heapDeltaBytes >= thresholds.dangerBytes) return 'danger';
  if (heapDeltaBytes >= thresholds.warnBytes) return 'warn';
  return 'ok';
}

/** Heap delta as the badge shows it: raw deltas carry a "~" because they include uncollected garbage. */
export function badgeHeapDelta(input: Pick<SummaryInput, 'heapDeltaBytes' | 'heapDeltaKind'>): string {
  const text = formatSignedBytes(input.heapDeltaBytes);
  return input.heapDeltaKind === 'exact' ? text : `~${text}`;
}

export function badgeAllocated(
  input: Pick<SummaryInput, 'allocatedBytes' | 'allocatedIsLowerBound'>,
): string {
  if (input.allocatedBytes === null) return 'n/a';
  return `${input.allocatedIsLowerBound ? '>=' : ''}${formatBytes(input.allocatedBytes)}`;
}

export function summaryPanel(input: SummaryInput, thresholds: Required<SeverityThresholds>): SummaryPanel {
  const rows: SummaryRow[] = [];
  const exact = input.heapDeltaKind === 'exact';
  rows.push({
    label: 'Heap delta',
    value: formatSignedBytes(input.heapDeltaBytes),
    note: exact
      ? 'live-heap change: garbage collected at both ends of the request'
      : 'raw used-heap change, includes garbage not yet collected (heapDelta: "exact" collects it)',
  });
  rows.push({
    label: 'Allocated',
    value: badgeAllocated(input),
    note:
      input.allocatedBytes === null
        ? `unavailable: ${input.allocatedUnavailable ?? 'GC accounting did not settle'}`
        : input.allocatedIsLowerBound
          ? 'at least this much: a garbage collection during the request is not measured yet (the stored record has the exact figure)'
          : 'exact, from V8 GC accounting (used-heap change plus what each collection freed)',
  });
  // One request, one set of figures: every other figure shown for it is here, with why it differs.
  const headers = input.headerFigures;
  if (headers !== undefined && input.allocatedBytes !== null) {
    rows.push({
      label: 'At the headers',
      value: badgeAllocated(headers),
      note: "what Server-Timing says and the badge showed first: the headers are written before the body is sent, so what came after (sending the body, the framework's finishing work) is only in Allocated",
    });
  }
  const sampled = input.sampledBytes;
  if (sampled !== undefined && input.allocatedBytes !== null) {
    rows.push({
      label: 'Sampled estimate',
      value: `~${formatBytes(sampled.totalBytes)}`,
      note: `the Allocations and Flame graph tabs: ${plural(sampled.samples, 'sample')} of about ${formatBytes(sampled.interval)} each, so it can be off by a few samples (±${formatBytes(sampled.interval * Math.max(1, Math.ceil(Math.sqrt(sampled.samples))))} or so); Allocated is the exact count`,
    });
  }
  if (input.ramflowAllocatedBytes !== undefined && input.ramflowAllocatedBytes > 0) {
    rows.push({
      label: "ramflow's own work",
      value: formatBytes(input.ramflowAllocatedBytes),
      note: 'rendering the toolbar and formatting its headers inside this request: left out of every figure above',
    });
  }
  if (input.heapUsedBeforeBytes !== undefined && input.heapUsedAfterBytes !== undefined) {
    rows.push({
      label: 'Heap used',
      value: `${formatBytes(input.heapUsedBeforeBytes)} to ${formatBytes(input.heapUsedAfterBytes)}`,
    });
  }
  if (input.externalDeltaBytes !== undefined) {
    rows.push({
      label: 'External delta',
      value: formatSignedBytes(input.externalDeltaBytes),
      note: 'Buffers, ArrayBuffers and other memory outside the JS heap',
    });
  }
  const gcNote = input.gcForced ? `${input.gcForced} forced by ramflow` : undefined;
  rows.push({
    label: 'Garbage collections',
    value: `${input.gcCount} (${formatMs(input.gcPauseMs)} paused)`,
    ...(gcNote ? { note: gcNote } : {}),
  });
  if (input.rssBytes !== undefined && input.rssBytes !== null) {
    rows.push({
      label: 'Process RSS',
      value: formatBytes(input.rssBytes),
      note: 'whole process, when the record was stored',
    });
  }
  if (input.arrayBuffersBytes !== undefined && input.arrayBuffersBytes !== null) {
    rows.push({
      label: 'Process ArrayBuffers',
      value: formatBytes(input.arrayBuffersBytes),
      note: 'whole process, when the record was stored',
    });
  }
  rows.push({ label: 'Backend', value: input.backendName, note: input.backendReason });
  if (input.heapSnapshot !== undefined) rows.push({ label: 'Heap snapshot', value: input.heapSnapshot });
  rows.push({
    label: 'ramflow overhead',
    value: formatMs(input.overheadMs),
    note: input.atHeaders ? 'until the response headers' : 'on the request path',
  });
  const gcKinds = Object.entries(input.gcByKind ?? {}).map(([kind, value]) => ({
    label: kind,
    value: `${value.count} (${formatMs(value.pauseMs)})`,
  }));
  return {
    heapDelta: badgeHeapDelta(input),
    heapDeltaLabel: exact ? 'heap delta (live, after GC)' : 'raw heap delta, includes uncollected garbage',
    allocated: badgeAllocated(input),
    severity: severityOf(input.heapDeltaBytes, thresholds),
    rows,
    gcKinds,
    snapshotHref: input.snapshotHref,
    exclusive: input.concurrency.exclusive,
    exclusivity: input.concurrency.exclusive
      ? 'Exclusive: no other profiled request overlapped this one.'
      : `Shared: ${plural(input.concurrency.overlapping, 'other profiled request')} overlapped this one; V8 cannot tell whose allocations are whose, so these figures include theirs.`,
  };
}

/** The request's figures and why they are what they are; in the toolbar, with the process's vital signs. */
export const panel: Panel = {
  id: 'summary',
  title: 'Summary',
  inToolbar: true,
  onPage: true,
  toolbarTemplate: 'fragments/summary',
  data(record, context, view) {
    const summary = summaryPanel(summaryInputFromRecord(record), context.severity);
    return view.compact
      ? { ...summary, process: processCompact(context.processReport(), context.basePath) }
      : summary;
  },
};
