import { formatBytes, formatMs } from '../format.js';
import type { HeapObjectGroup, RequestRecord } from '../types.js';
import { type HeapBreakdownChart, heapBreakdownChart } from './heap-breakdown-chart.js';
import type { Panel } from './panel.js';
import { type RetainerPathView, retainerPathView, similarPathKey } from './retainer-path-view.js';

export { pathText } from './retainer-path-view.js';

/** Groups shown in the panel's table (the record keeps up to 100). */
const ROWS = 25;

/** One class of new live objects. */
export interface HeapObjectRow {
  name: string;
  type: string;
  count: number;
  selfBytes: string;
  retainedBytes: string;
  /** Formatted native memory (Buffer/ArrayBuffer backing stores), or empty when none. */
  nativeBytes: string;
  /** Share of all new objects' retained bytes, e.g. `42.0%`. */
  share: string;
}

/**
 * A retainer path of one of the largest classes, root first: as steps (see retainer-path-view.ts) and as raw
 * text (`text`). Paths of a class that differ only in array indices are shown once, with `similar` counting the
 * others.
 */
export interface HeapPathView extends RetainerPathView {
  group: string;
  /** Other paths of the same class that differ from this one only in array indices. */
  similar: number;
}

export interface HeapDownload {
  label: string;
  href: string;
  filename: string;
}

/** Template data of the Heap objects panel (templates/panels/heap-objects.hbs) when snapshots were taken. */
export interface HeapObjectsAvailable {
  available: true;
  count: number;
  selfBytes: string;
  nativeBytes: string;
  hasObjects: boolean;
  /** The breakdown by type (stacked bar) and the largest classes by retained size (bars). */
  breakdown: HeapBreakdownChart;
  rows: HeapObjectRow[];
  /** Groups beyond the table, summed. */
  more: string | undefined;
  paths: HeapPathView[];
  /** How long the snapshots blocked the process, their sizes, and the analysis. */
  cost: string;
  notes: string[];
  downloads: HeapDownload[];
}

/** Template data of the Heap objects panel without snapshots: why not, never zeros. */
export interface HeapObjectsUnavailable {
  available: false;
  reason: string;
  /** The same GET request with `?ramflow=snapshot`, to take the snapshots now (same-origin paths only). */
  snapshotHref: string | undefined;
  downloads: HeapDownload[];
}

export type HeapObjectsPanel = HeapObjectsAvailable | HeapObjectsUnavailable;

/**
 * Builds the Heap objects panel from a stored record: the objects the request created that were still alive after
 * it, by class (count, own, retained and native bytes), retainer paths of the largest classes, what the snapshots
 * cost, and downloads (the diff as JSON always; the `.heapsnapshot` files only when `allowHeapSnapshots` kept them).
 */
export function heapObjectsPanel(
  record: RequestRecord,
  basePath: string,
  allowHeapSnapshots: boolean,
): HeapObjectsPanel {
  const api = `${basePath}/api/requests/${record.id}`;
  const heap = record.heap;
  if (heap === undefined) {
    return {
      available: false,
      reason: sentence(
        record.heapUnavailable ??
          'no heap snapshot was taken for this request. Ask for one with ?ramflow=snapshot in the URL or an X-Ramflow-Backend: heap-snapshot request header (it pauses the process while V8 writes the snapshots)',
      ),
      snapshotHref: snapshotHref(record),
      downloads: [],
    };
  }
  const totalRetained = heap.newObjects.reduce((sum, group) => sum + group.retainedBytes, 0);
  const shown = heap.newObjects.slice(0, ROWS);
  const hidden = heap.newObjects.slice(ROWS);
  const hiddenCount = hidden.reduce((sum, group) => sum + group.count, 0) + (heap.omitted?.count ?? 0);
  const hiddenGroups = hidden.length + (heap.omitted?.groups ?? 0);
  const { snapshots } = heap;
  const downloads: HeapDownload[] = [
    { label: 'diff (JSON)', href: `${api}/heap.json`, filename: `ramflow-${record.id}-heap.json` },
  ];
  if (allowHeapSnapshots && heap.downloadable) {
    for (const side of ['before', 'after'] as const) {
      downloads.push({
        label: `${side}.heapsnapshot`,
        href: `${api}/${side}.heapsnapshot`,
        filename: `ramflow-${record.id}-${side}.heapsnapshot`,
      });
    }
  }
  return {
    available: true,
    count: heap.totals.count,
    selfBytes: formatBytes(heap.totals.selfBytes),
    nativeBytes: formatBytes(heap.totals.nativeBytes),
    hasObjects: heap.totals.count > 0,
    breakdown: heapBreakdownChart(heap),
    rows: shown.map((group) => row(group, totalRetained)),
    more:
      hiddenGroups > 0
        ? `${hiddenGroups} more class${hiddenGroups === 1 ? '' : 'es'} (${hiddenCount} objects) not shown.`
        : undefined,
    paths: heap.newObjects.flatMap(pathViews),
    cost:
      `The snapshots paused the process ${formatMs(snapshots.beforeMs)} before the request and ` +
      `${formatMs(snapshots.afterMs)} after it (${formatBytes(snapshots.beforeBytes)} and ` +
      `${formatBytes(snapshots.afterBytes)}; ${snapshots.nodes.toLocaleString('en-US')} nodes, ` +
      `${snapshots.edges.toLocaleString('en-US')} edges); the analysis took ${formatMs(snapshots.analysisMs)} in a worker thread.`,
    notes: heap.notes,
    downloads,
  };
}

/** The request again with heap snapshots: only for GET requests to a same-origin path (never `//host` or a scheme). */
export function snapshotHref(record: RequestRecord): string | undefined {
  const { method, url } = record.request;
  if (method !== 'GET' || !url.startsWith('/') || url.startsWith('//')) return undefined;
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  params.set('ramflow', 'snapshot');
  return `${record.request.path}?${params.toString()}`;
}

function row(group: HeapObjectGroup, totalRetained: number): HeapObjectRow {
  return {
    name: group.constructorName,
    type: group.type,
    count: group.count,
    selfBytes: formatBytes(group.selfBytes),
    retainedBytes: formatBytes(group.retainedBytes),
    nativeBytes: group.nativeBytes > 0 ? formatBytes(group.nativeBytes) : '',
    share: totalRetained > 0 ? `${((group.retainedBytes / totalRetained) * 100).toFixed(1)}%` : '0.0%',
  };
}

/** A class's retainer paths, those that differ only in array indices shown once. */
function pathViews(group: HeapObjectGroup): HeapPathView[] {
  const views: HeapPathView[] = [];
  const byKey = new Map<string, HeapPathView>();
  for (const path of group.paths) {
    const key = similarPathKey(path);
    const seen = byKey.get(key);
    if (seen !== undefined) {
      seen.similar++;
      continue;
    }
    const view: HeapPathView = { group: group.constructorName, similar: 0, ...retainerPathView(path) };
    byKey.set(key, view);
    views.push(view);
  }
  return views;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** What a heap-snapshot request left alive, by constructor, with retainer paths. */
export const panel: Panel = {
  id: 'heap-objects',
  title: 'Heap objects',
  inToolbar: true,
  onPage: true,
  data(record, context) {
    return heapObjectsPanel(record, context.basePath, context.allowHeapSnapshots);
  },
};
