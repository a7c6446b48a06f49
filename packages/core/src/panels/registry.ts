import { panel as allocations } from './allocations.js';
import { panel as downloads } from './downloads.js';
import { panel as flameGraph } from './flame-graph.js';
import { panel as heapObjects } from './heap-objects.js';
import { panel as history } from './history.js';
import type { Panel } from './panel.js';
import { panel as processPanel } from './process.js';
import { panel as summary } from './summary.js';

/**
 * Every panel of a request, in order: the toolbar's tabs and the request page's sections are this list, filtered.
 * A new panel is a module here (see panel.ts), its template in templates/panels/, and one line in this list.
 */
export const PANELS: readonly Panel[] = [
  summary,
  allocations,
  flameGraph,
  heapObjects,
  processPanel,
  history,
  downloads,
];

/** The toolbar's tabs, in order. */
export const TOOLBAR_PANELS: readonly Panel[] = PANELS.filter((panel) => panel.inToolbar);

/** The request page's sections, in order. */
export const PAGE_PANELS: readonly Panel[] = PANELS.filter((panel) => panel.onPage);

const BY_ID = new Map(PANELS.map((panel) => [panel.id, panel]));

/** The panel with this id (a URL segment), or undefined. */
export function panelById(id: string): Panel | undefined {
  return BY_ID.get(id);
}
