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

/** The markup ramflow puts in a page: `early` right after `<head>`, `toolbar` before `</body>`. */
export interface ToolbarMarkup {
  /** The call tagger (calls.js): before the page's own scripts run, so their first fetch/XHR calls are linked. */
  early: string;
  /** The badge and its panel. */
  toolbar: string;
}

/**
 * Renders the injected toolbar: the badge and an empty panel inside a declarative shadow root, and the call
 * tagger that goes first in `<head>`. Only the badge is rendered on the request path (a few µs); the panels are
 * rendered from the settled record when the toolbar's script asks for them (`GET {basePath}/api/requests/:id/toolbar`).
 */
export function renderToolbar(
  templates: Templates,
  input: ToolbarInput,
  basePath: string,
  thresholds: Required<SeverityThresholds>,
): ToolbarMarkup {
  const { summary } = input;
  const early = templates.render('calls', { id: input.id, basePath, nonce: input.nonce });
  const toolbar = templates.render('toolbar', {
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
  return { early, toolbar };
}
