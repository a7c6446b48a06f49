import type { SnapshotSide } from '../backends/heap-snapshot/snapshot-files.js';
import type { ProcessReport, RequestRecord, SeverityThresholds, Store } from '../types.js';

/**
 * The panel contract, after django-debug-toolbar's `Panel`: a panel is one module in `panels/` exporting a
 * `panel`, plus one template of the same name (`templates/panels/<id>.hbs`). The module turns a request's record
 * into the template's data; the template turns the data into HTML. The registry (`registry.ts`) lists them in
 * order, and both the toolbar (its tabs, `GET …/api/requests/:id/panels/:id`) and the dashboard's request page
 * (its sections) read that list.
 */
export interface Panel {
  /** Its URL segment, tab id and template name. */
  readonly id: string;
  /** Its tab label and section heading. */
  readonly title: string;
  /** Shown as a tab of the injected toolbar. */
  readonly inToolbar: boolean;
  /** Shown as a section of the dashboard's request page. */
  readonly onPage: boolean;
  /** The template the toolbar renders it with, when not `panels/<id>` (its compact variant). */
  readonly toolbarTemplate?: string;
  /** The template data for one request's record. */
  data(record: RequestRecord, context: PanelContext, view: PanelView): unknown;
}

/** What building a panel needs from the ramflow instance. */
export interface PanelContext {
  readonly basePath: string;
  readonly store: Store;
  readonly severity: Required<SeverityThresholds>;
  readonly allowHeapSnapshots: boolean;
  readonly editorUrl: string | false;
  processReport(): ProcessReport;
  /** A request's kept `.heapsnapshot` file, when downloads are on and it has not expired. */
  snapshotFile(id: string, side: SnapshotSide): string | undefined;
}

/** How the panel is being looked at. */
export interface PanelView {
  /** The panel's own choices from the query string (e.g. `frames=app` for the Allocations filter). */
  readonly params: URLSearchParams;
  /** The toolbar's variant (a panel inside the app's page) rather than the dashboard's full page. */
  readonly compact: boolean;
}
