import type { SnapshotSide } from '../backends/heap-snapshot/snapshot-files.js';
import { speedscopeDir } from '../export/speedscope-app.js';
import type { ProcessReport } from '../insights/process-insights.js';
import type { RequestRecord, SeverityThresholds, Store } from '../types.js';
import { allocationsPanel, frameFilter } from './allocations.js';
import { downloadsPanel } from './downloads.js';
import { flameGraphPanel } from './flame-graph.js';
import { heapObjectsPanel } from './heap-objects.js';
import { historyPanel } from './history.js';
import { historyEntries } from './history-filter.js';
import { processCompact, processPanel } from './process.js';
import { summaryInputFromRecord, summaryPanel } from './summary.js';

/** The panels of a request, in the toolbar's tab order. Each is one data module + one template. */
export const REQUEST_PANELS = [
  { name: 'summary', title: 'Summary' },
  { name: 'allocations', title: 'Allocations' },
  { name: 'flame-graph', title: 'Flame graph' },
  { name: 'heap-objects', title: 'Heap objects' },
  { name: 'process', title: 'Process' },
  { name: 'history', title: 'History' },
] as const;

export type RequestPanelName = (typeof REQUEST_PANELS)[number]['name'] | 'downloads';

const NAMES: ReadonlySet<string> = new Set<string>([
  ...REQUEST_PANELS.map((panel) => panel.name),
  'downloads',
]);

export function isRequestPanelName(name: string): name is RequestPanelName {
  return NAMES.has(name);
}

/** What building a panel needs from the ramflow instance. */
export interface PanelHost {
  readonly basePath: string;
  readonly store: Store;
  readonly severity: Required<SeverityThresholds>;
  readonly allowHeapSnapshots: boolean;
  readonly editorUrl: string | false;
  processReport(): ProcessReport;
  /** A request's kept `.heapsnapshot` file, when downloads are on and it has not expired. */
  snapshotFile(id: string, side: SnapshotSide): string | undefined;
}

/**
 * The template data of one panel of a request. `params` carries the panel's own choices (e.g. `frames=app` for
 * the Allocations filter); `compact` is the toolbar's variant of a panel that has one.
 */
export async function requestPanelData(
  host: PanelHost,
  record: RequestRecord,
  name: RequestPanelName,
  params: URLSearchParams,
  compact: boolean,
): Promise<unknown> {
  switch (name) {
    case 'summary': {
      const summary = summaryPanel(summaryInputFromRecord(record), host.severity);
      return compact ? { ...summary, process: processCompact(host.processReport(), host.basePath) } : summary;
    }
    case 'allocations':
      return allocationsPanel(record, host.basePath, {
        editorUrl: host.editorUrl,
        frames: frameFilter(params.get('frames')),
      });
    case 'flame-graph':
      return flameGraphPanel(record, {
        basePath: host.basePath,
        speedscopeAvailable: speedscopeDir() !== undefined,
      });
    case 'heap-objects':
      return heapObjectsPanel(record, host.basePath, host.allowHeapSnapshots);
    case 'process':
      return processPanel(host.processReport());
    case 'history':
      return historyPanel(await historyEntries(host.store, await host.store.list()), {
        basePath: host.basePath,
        severity: host.severity,
        compact,
        pageId: record.id,
      });
    case 'downloads':
      return downloadsPanel(record, {
        basePath: host.basePath,
        allowHeapSnapshots: host.allowHeapSnapshots,
        snapshotFile: (id, side) => host.snapshotFile(id, side),
      });
  }
}
