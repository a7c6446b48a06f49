import type { ToolbarInput } from '../request-session.js';
import type { Templates } from '../templates.js';
import type { SeverityThresholds } from '../types.js';
import { summaryPanel } from './panels/summary.js';

/** Renders the injected toolbar: a badge plus its panels, inside a declarative shadow root. */
export function renderToolbar(
  templates: Templates,
  input: ToolbarInput,
  basePath: string,
  thresholds: Required<SeverityThresholds>,
): string {
  const summary = summaryPanel(input.summary, thresholds);
  return templates.render('toolbar', {
    id: input.id,
    link: input.link,
    basePath,
    nonce: input.nonce,
    summary,
    shared: !input.summary.concurrency.exclusive,
    overlapping: input.summary.concurrency.overlapping,
  });
}
