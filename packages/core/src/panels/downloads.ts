import {
  KEPT_SNAPSHOT_REQUESTS,
  SNAPSHOT_FILE_TTL_MS,
  type SnapshotSide,
} from '../backends/heap-snapshot/snapshot-files.js';
import { formatBytes } from '../format.js';
import type { RequestRecord } from '../types.js';
import { snapshotHref } from './heap-objects.js';
import type { Panel } from './panel.js';

const TTL_MINUTES = Math.round(SNAPSHOT_FILE_TTL_MS / 60_000);

/** The downloads of a request, by what they hold. */
export type DownloadKey =
  | 'heapprofile'
  | 'pprof'
  | 'speedscope'
  | 'before-heapsnapshot'
  | 'after-heapsnapshot'
  | 'heap-diff'
  | 'raw';

/** One download of the Downloads panel: what it is, what opens it, and either its link or why there is none. */
export interface DownloadEntry {
  key: DownloadKey;
  /** The file, e.g. `.heapprofile`, `before.heapsnapshot`. */
  label: string;
  /** The format in a few words, e.g. `Chrome heap profile`. */
  format: string;
  /** One line: what it holds and what opens it. */
  description: string;
  available: boolean;
  /** The download's URL under the dashboard, when available. */
  href: string | undefined;
  /** The file name to save it as (the route's `Content-Disposition` name), when available. */
  filename: string | undefined;
  /** The file's size when known (the heap snapshots), formatted. */
  size: string | undefined;
  /** Why it is not available: a sentence. Undefined when available. */
  reason: string | undefined;
}

/** Template data of the Downloads panel (templates/panels/downloads.hbs). */
export interface DownloadsPanel {
  id: string;
  entries: DownloadEntry[];
  availableCount: number;
  /** The same GET request with heap snapshots, offered when this one had none (same-origin paths only). */
  snapshotHref: string | undefined;
}

export interface DownloadsOptions {
  /** The dashboard's base path, e.g. `/__ramflow`. */
  basePath: string;
  /** `.heapsnapshot` downloads are on (`allowHeapSnapshots: true`). */
  allowHeapSnapshots: boolean;
  /**
   * The kept `.heapsnapshot` file of a request (the dashboard host's `snapshotFile`), to tell an expired or
   * evicted file from a kept one. Without it, a file the record says was kept is offered as is.
   */
  snapshotFile?: ((id: string, side: SnapshotSide) => string | undefined) | undefined;
}

/**
 * Every download of a request with a one-line explanation: the allocation profile in three formats (when the
 * sampling backend ran), the before/after `.heapsnapshot` files (when snapshots were taken and kept), the heap
 * diff as JSON (when snapshots were taken), and the raw record (always). An unavailable one says why.
 */
export function downloadsPanel(record: RequestRecord, options: DownloadsOptions): DownloadsPanel {
  const id = record.id;
  const api = `${options.basePath}/api/requests/${encodeURIComponent(id)}`;
  const noProfile = record.allocations === undefined ? noProfileReason(record) : undefined;
  const heap = record.heap;
  const noHeap = heap === undefined ? noHeapReason(record) : undefined;
  const noSnapshotFile = noHeap ?? noSnapshotFileReason(record, options.allowHeapSnapshots);
  const expired = (side: SnapshotSide): string | undefined =>
    noSnapshotFile === undefined &&
    options.snapshotFile !== undefined &&
    options.snapshotFile(id, side) === undefined
      ? `the ${side} snapshot file is gone: ramflow keeps the files of the last ${KEPT_SNAPSHOT_REQUESTS} snapshot requests for ${TTL_MINUTES} minutes`
      : undefined;
  const entries: DownloadEntry[] = [
    entry({
      key: 'heapprofile',
      label: '.heapprofile',
      format: 'Chrome heap profile',
      description:
        "The request's allocation stacks: load it in Chrome DevTools' Memory tab (Load profile…) or drop it on speedscope.",
      href: `${api}/profile.heapprofile`,
      filename: `ramflow-${id}.heapprofile`,
      reason: noProfile,
    }),
    entry({
      key: 'pprof',
      label: '.pb.gz',
      format: 'pprof profile',
      description: `The allocation stacks for pprof: go tool pprof -http=: ramflow-${id}.pb.gz`,
      href: `${api}/profile.pb.gz`,
      filename: `ramflow-${id}.pb.gz`,
      reason: noProfile,
    }),
    entry({
      key: 'speedscope',
      label: '.speedscope.json',
      format: 'speedscope JSON',
      description:
        'The allocation stacks in speedscope’s own format: drop it on speedscope.app or run npx speedscope on it.',
      href: `${api}/profile.speedscope.json`,
      filename: `ramflow-${id}.speedscope.json`,
      reason: noProfile,
    }),
    ...(['before', 'after'] as const).map((side) =>
      entry({
        key: `${side}-heapsnapshot`,
        label: `${side}.heapsnapshot`,
        format: 'V8 heap snapshot',
        description:
          `Everything on the heap ${side} the request: load it in Chrome DevTools' Memory tab` +
          (side === 'after' ? ', with before.heapsnapshot, and compare them in its Comparison view.' : '.') +
          ` Kept for the last ${KEPT_SNAPSHOT_REQUESTS} snapshot requests, ${TTL_MINUTES} minutes at most.`,
        href: `${api}/${side}.heapsnapshot`,
        filename: `ramflow-${id}-${side}.heapsnapshot`,
        size:
          heap !== undefined
            ? formatBytes(side === 'before' ? heap.snapshots.beforeBytes : heap.snapshots.afterBytes)
            : undefined,
        reason: noSnapshotFile ?? expired(side),
      }),
    ),
    entry({
      key: 'heap-diff',
      label: 'heap.json',
      format: 'heap diff JSON',
      description:
        'The new objects the request left alive, by class, with sizes and retainer paths: what the Heap objects panel shows.',
      href: `${api}/heap.json`,
      filename: `ramflow-${id}-heap.json`,
      reason: noHeap,
    }),
    entry({
      key: 'raw',
      label: '.json',
      format: 'raw JSON',
      description:
        "The request's whole record, in ramflow's documented JSON format (RequestRecord, version 1).",
      href: api,
      filename: `ramflow-${id}.json`,
      reason: undefined,
    }),
  ];
  return {
    id,
    entries,
    availableCount: entries.filter((e) => e.available).length,
    snapshotHref:
      heap === undefined && record.heapUnavailable === undefined ? snapshotHref(record) : undefined,
  };
}

function entry(
  fields: Omit<DownloadEntry, 'available' | 'size' | 'href' | 'filename'> & {
    href: string;
    filename: string;
    size?: string | undefined;
  },
): DownloadEntry {
  const available = fields.reason === undefined;
  return {
    key: fields.key,
    label: fields.label,
    format: fields.format,
    description: fields.description,
    available,
    href: available ? fields.href : undefined,
    filename: available ? fields.filename : undefined,
    size: available ? fields.size : undefined,
    reason: fields.reason === undefined ? undefined : sentence(fields.reason),
  };
}

/** Why a record has no allocation profile (the three profile downloads). */
function noProfileReason(record: RequestRecord): string {
  if (record.allocationsUnavailable !== undefined)
    return `no allocation profile: ${record.allocationsUnavailable}`;
  const { name, reason } = record.backend;
  if (name === 'sampling') return 'no allocation profile was recorded for this request';
  return `no allocation profile: the ${name} backend measured this request (${reason}), not the sampling profiler`;
}

/** Why a record has no heap snapshots (the heap diff and the snapshot files). */
function noHeapReason(record: RequestRecord): string {
  if (record.heapUnavailable !== undefined)
    return `no heap snapshot was taken for this request: ${record.heapUnavailable}`;
  return 'no heap snapshot was taken for this request; ask for one with ?ramflow=snapshot in the URL or an X-Ramflow-Backend: heap-snapshot header';
}

/** Why a record's snapshots, taken, cannot be downloaded; undefined when they can. */
function noSnapshotFileReason(record: RequestRecord, allowHeapSnapshots: boolean): string | undefined {
  if (!allowHeapSnapshots)
    return 'heap snapshot downloads are off by default because a snapshot holds everything on the heap, secrets included (tokens, passwords, session data); start ramflow with allowHeapSnapshots: true to keep them';
  if (record.heap?.downloadable !== true)
    return 'the snapshot files were not kept for this request (snapshot downloads were off when it ran)';
  return undefined;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The request's profile and snapshots as files for other tools. */
export const panel: Panel = {
  id: 'downloads',
  title: 'Downloads',
  inToolbar: false,
  onPage: true,
  data(record, context) {
    return downloadsPanel(record, {
      basePath: context.basePath,
      allowHeapSnapshots: context.allowHeapSnapshots,
      snapshotFile: (id, side) => context.snapshotFile(id, side),
    });
  },
};
