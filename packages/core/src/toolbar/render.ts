import { TOOLBAR_PANELS } from '../panels/registry.js';
import { badgeAllocated, badgeHeapDelta, type SummaryInput, severityOf } from '../panels/summary.js';
import type { SeverityThresholds } from '../types.js';
import type { Templates } from './templates.js';

/** What the toolbar's badge shows: the figures at the response's headers. */
export interface ToolbarInput {
  id: string;
  link: string;
  summary: SummaryInput;
  nonce: string | undefined;
}

/**
 * Renders the injected toolbar: the badge and an empty panel inside a declarative shadow root. Only the badge is
 * rendered on the request path (a few µs); the panels are rendered from the settled record when the toolbar's
 * script asks for them (`GET {basePath}/api/requests/:id/toolbar`).
 */
export function renderToolbar(
  templates: Templates,
  input: ToolbarInput,
  basePath: string,
  thresholds: Required<SeverityThresholds>,
): string {
  const { summary } = input;
  return templates.render('toolbar', {
    id: input.id,
    link: input.link,
    basePath,
    nonce: input.nonce,
    heapDelta: badgeHeapDelta(summary),
    heapDeltaLabel:
      summary.heapDeltaKind === 'exact'
        ? 'heap delta (live, after GC)'
        : 'raw heap delta, includes uncollected garbage',
    allocated: badgeAllocated(summary),
    severity: severityOf(summary.heapDeltaBytes, thresholds),
    shared: !summary.concurrency.exclusive,
    overlapping: summary.concurrency.overlapping,
    tabs: TOOLBAR_PANELS.map(({ id, title }) => ({ id, title })),
  });
}
