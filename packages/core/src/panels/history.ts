import { formatMs } from '../format.js';
import { plural } from '../plural.js';
import type { SeverityThresholds } from '../types.js';
import {
  applyHistoryFilter,
  describeFilter,
  type HistoryEntry,
  type HistoryFilter,
  type HistoryFilterParam,
  historyEntries,
  isFilterActive,
} from './history-filter.js';
import type { Panel } from './panel.js';
import { badgeAllocated, badgeHeapDelta, severityOf } from './summary.js';

/** Rows of the toolbar's compact History panel. */
export const COMPACT_ROWS = 15;

/** Where a row stands relative to the toolbar's page. */
export type HistoryRelation = 'page' | 'call' | 'other';

/** One request of the History panel. */
export interface HistoryRow {
  id: string;
  /** `{basePath}/requests/{id}`. */
  href: string;
  startedAt: string;
  /** `HH:MM:SS.mmm` (UTC, like `startedAt`). */
  time: string;
  method: string;
  url: string;
  statusCode: number;
  /** `2xx` … `5xx`, for colouring. */
  statusClass: string;
  duration: string;
  /** Signed, `~`-prefixed when raw (includes uncollected garbage). */
  heapDelta: string;
  heapDeltaTitle: string;
  /** Formatted bytes, or `n/a` (see `allocatedTitle`). */
  allocated: string;
  /** Why the figure is n/a; undefined when there is one. */
  allocatedTitle: string | undefined;
  exclusive: boolean;
  /** `exclusive`, `shared ×N`, or `shared` when the summary does not say with how many. */
  overlap: string;
  overlapTitle: string;
  severity: 'ok' | 'warn' | 'danger';
  /** The page that made this fetch/XHR call, when known. */
  parentId: string | undefined;
  /** Link to that page; undefined when the row is already listed under it (`relation: 'call'`). */
  parentHref: string | undefined;
  relation: HistoryRelation;
  /** Backend name, or `n/a` when the summary does not say (see `backendTitle`). */
  backend: string;
  backendTitle: string | undefined;
  /** `allocations`, `heap`, `allocations, heap`, `none`, or `n/a` when the summary does not say (`profilesTitle`). */
  profiles: string;
  profilesTitle: string | undefined;
  /** Full view: `N calls` made by this page and the filtered history link to them. */
  calls: { label: string; href: string } | undefined;
}

/** A titled run of rows (the compact panel has up to three; the full one a single untitled group). */
export interface HistoryGroup {
  title: string | undefined;
  /** The panel's `compact`, repeated so the template's row loop needs no `../..` paths. */
  compact: boolean;
  rows: HistoryRow[];
}

/** One field of the dashboard's filter form. */
export interface HistoryFilterField {
  name: HistoryFilterParam;
  label: string;
  value: string;
  placeholder: string;
  /** Choices for a select; undefined for a text input. */
  options: Array<{ value: string; label: string; selected: boolean }> | undefined;
}

/** Template data of the History panel (templates/panels/history.hbs). */
export interface HistoryPanel {
  basePath: string;
  compact: boolean;
  groups: HistoryGroup[];
  /** Rows shown in all groups. */
  shown: number;
  /** Nothing is recorded yet. */
  empty: boolean;
  /** Records exist but none matches the filter: the sentence to show. */
  noMatch: string | undefined;
  /** The active filter in words (empty when none). */
  filterText: string;
  /** Full view: some filter parameter was given (even a bad one, or only `limit`): offer to clear it. */
  filterGiven: boolean;
  /** `12 of 80 requests match …` style line for the full view. */
  countText: string | undefined;
  /** Bad filter parameters (ignored) and filters that could not be checked. */
  errors: string[];
  notes: string[];
  /** Full view: the rows carry compare checkboxes named `id`, in a GET form to `compareAction`. */
  compareAction: string;
  /** Full view: the filter form's action and fields. */
  filterAction: string;
  filterFields: HistoryFilterField[];
  /** Compact view: link to the dashboard's history (with more rows). */
  moreHref: string | undefined;
  moreText: string | undefined;
}

export interface HistoryPanelOptions {
  basePath: string;
  severity: Required<SeverityThresholds>;
  /** The toolbar's page: its request first, then the calls it made, then other recent requests. */
  compact?: boolean;
  /** The `X-Ramflow-Id` of the page showing the toolbar (compact view). */
  pageId?: string | undefined;
  /** Full view: the validated filter (see `parseHistoryFilter`). */
  filter?: HistoryFilter;
  /** Full view: the filter's raw values, to refill the form. */
  filterValues?: Partial<Record<HistoryFilterParam, string>>;
  /** Full view: messages about bad filter parameters. */
  filterErrors?: readonly string[];
  /** Compact view: most rows (default {@link COMPACT_ROWS}). */
  maxRows?: number;
}

/**
 * Builds the History panel from history entries (`store.list()` summaries, newest first, optionally with the
 * extras of `historyEntry`). Compact (toolbar): the page's own request, the fetch/XHR calls it made (oldest first,
 * the order it made them), then other recent requests, at most 15 rows. Full (dashboard): every entry the filter
 * keeps, each with a compare checkbox.
 */
export function historyPanel(entries: readonly HistoryEntry[], options: HistoryPanelOptions): HistoryPanel {
  const { basePath } = options;
  const compact = options.compact === true;
  const filter: HistoryFilter = compact ? {} : (options.filter ?? {});
  const callCounts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.parentId !== undefined)
      callCounts.set(entry.parentId, (callCounts.get(entry.parentId) ?? 0) + 1);
  }
  const toRow = (entry: HistoryEntry, relation: HistoryRelation): HistoryRow =>
    historyRow(entry, relation, options, compact ? undefined : callCounts.get(entry.id));

  const panel: HistoryPanel = {
    basePath,
    compact,
    groups: [],
    shown: 0,
    empty: entries.length === 0,
    noMatch: undefined,
    filterText: describeFilter(filter),
    filterGiven: !compact && Object.values(options.filterValues ?? {}).some((value) => value !== ''),
    countText: undefined,
    errors: [...(options.filterErrors ?? [])],
    notes: [],
    compareAction: `${basePath}/compare`,
    filterAction: `${basePath}/requests`,
    filterFields: compact ? [] : filterFields(options.filterValues ?? {}),
    moreHref: undefined,
    moreText: undefined,
  };

  if (compact) {
    const max = Math.max(1, options.maxRows ?? COMPACT_ROWS);
    const pageId = options.pageId;
    const page = pageId === undefined ? undefined : entries.find((entry) => entry.id === pageId);
    const calls = pageId === undefined ? [] : entries.filter((entry) => entry.parentId === pageId).reverse();
    const others = entries.filter((entry) => entry.id !== pageId && entry.parentId !== pageId);
    let room = max;
    const take = (list: readonly HistoryEntry[], relation: HistoryRelation): HistoryRow[] => {
      const rows = list.slice(0, room).map((entry) => toRow(entry, relation));
      room -= rows.length;
      return rows;
    };
    const groups: HistoryGroup[] = [
      { title: 'This page', compact, rows: take(page === undefined ? [] : [page], 'page') },
      { title: 'Calls made by this page', compact, rows: take(calls, 'call') },
      { title: 'Other recent requests', compact, rows: take(others, 'other') },
    ];
    panel.groups = groups.filter((group) => group.rows.length > 0);
    panel.shown = max - room;
    if (pageId !== undefined && page === undefined && entries.length > 0)
      panel.notes.push(
        'This page\u2019s own record is not in the history yet (it is stored once the response has finished) or was evicted.',
      );
    const hidden = entries.length - panel.shown;
    if (hidden > 0) {
      panel.moreHref = `${basePath}/requests`;
      panel.moreText = `${plural(hidden, 'more request')} in the dashboard`;
    }
    return panel;
  }

  const filtered = applyHistoryFilter(entries, filter);
  panel.notes.push(...filtered.notes);
  const rows = filtered.entries.map((entry) =>
    toRow(entry, entry.parentId !== undefined && entry.parentId === filter.parent ? 'call' : 'other'),
  );
  panel.groups = rows.length > 0 ? [{ title: undefined, compact, rows }] : [];
  panel.shown = rows.length;
  const active = isFilterActive(filter);
  if (!panel.empty && filtered.matched === 0 && active) {
    panel.noMatch = `No request matches the filter (${panel.filterText}) among the ${plural(filtered.total, 'recorded request')}.`;
  }
  if (!panel.empty) {
    const limited = rows.length < filtered.matched ? `; showing the newest ${rows.length}` : '';
    panel.countText = active
      ? `${filtered.matched} of ${plural(filtered.total, 'request')} match ${panel.filterText}${limited}.`
      : `${plural(filtered.total, 'request')}${limited}.`;
  }
  return panel;
}

function historyRow(
  entry: HistoryEntry,
  relation: HistoryRelation,
  options: HistoryPanelOptions,
  calls: number | undefined,
): HistoryRow {
  const { basePath } = options;
  const exact = entry.heapDeltaKind === 'exact';
  const overlapping = entry.overlapping;
  const overlap = entry.exclusive
    ? 'exclusive'
    : overlapping === undefined
      ? 'shared'
      : `shared ×${overlapping}`;
  const others =
    overlapping === undefined
      ? 'other profiled requests'
      : `${plural(overlapping, 'other profiled request')}`;
  return {
    id: entry.id,
    href: `${basePath}/requests/${entry.id}`,
    startedAt: entry.startedAt,
    time: timeOf(entry.startedAt),
    method: entry.method,
    url: entry.url,
    statusCode: entry.statusCode,
    statusClass: `${Math.floor(entry.statusCode / 100)}xx`,
    duration: formatMs(entry.durationMs),
    heapDelta: badgeHeapDelta(entry),
    heapDeltaTitle: exact
      ? 'live-heap change: garbage collected at both ends of the request'
      : 'raw used-heap change: includes garbage not yet collected',
    allocated: badgeAllocated({ allocatedBytes: entry.allocatedBytes }),
    allocatedTitle:
      entry.allocatedBytes === null
        ? `n/a: ${entry.allocatedUnavailable ?? 'V8 GC accounting could not determine it for this request (its page says why)'}`
        : undefined,
    exclusive: entry.exclusive,
    overlap,
    overlapTitle: entry.exclusive
      ? 'No other profiled request overlapped this one: its figures are its own.'
      : `${others} overlapped this one: V8 cannot tell whose allocations are whose, so its figures include theirs.`,
    severity: severityOf(entry.heapDeltaBytes, options.severity),
    parentId: entry.parentId,
    parentHref:
      entry.parentId === undefined || relation === 'call'
        ? undefined
        : `${basePath}/requests/${entry.parentId}`,
    relation,
    backend: entry.backend ?? 'n/a',
    backendTitle: entry.backend === undefined ? UNKNOWN : undefined,
    profiles: profilesOf(entry) ?? 'n/a',
    profilesTitle: profilesOf(entry) === undefined ? UNKNOWN : undefined,
    calls:
      calls === undefined || calls === 0
        ? undefined
        : {
            label: plural(calls, 'call'),
            href: `${basePath}/requests?${new URLSearchParams({ parent: entry.id }).toString()}`,
          },
  };
}

const UNKNOWN = "n/a: the store's summary of this request does not say; its page does";

function profilesOf(entry: HistoryEntry): string | undefined {
  if (entry.hasAllocations === undefined && entry.hasHeap === undefined) return undefined;
  const kinds: string[] = [];
  if (entry.hasAllocations) kinds.push('allocations');
  if (entry.hasHeap) kinds.push('heap');
  return kinds.length === 0 ? 'none' : kinds.join(', ');
}

function timeOf(iso: string): string {
  return iso.slice(11, 23);
}

const FIELD_LABELS: Record<HistoryFilterParam, { label: string; placeholder: string }> = {
  method: { label: 'Method', placeholder: 'GET' },
  status: { label: 'Status', placeholder: '2xx or 404' },
  q: { label: 'URL contains', placeholder: '/api/' },
  min: { label: 'At least', placeholder: '1.5MB' },
  backend: { label: 'Backend', placeholder: '' },
  parent: { label: 'Calls made by page', placeholder: 'request id' },
  profile: { label: 'Has', placeholder: '' },
  limit: { label: 'Rows', placeholder: 'all' },
};

const FIELD_OPTIONS: Partial<Record<HistoryFilterParam, Array<{ value: string; label: string }>>> = {
  backend: [
    { value: '', label: 'any backend' },
    { value: 'sampling', label: 'sampling' },
    { value: 'heap-snapshot', label: 'heap-snapshot' },
    { value: 'process', label: 'process' },
  ],
  profile: [
    { value: '', label: 'anything' },
    { value: 'allocations', label: 'allocation stacks' },
    { value: 'heap', label: 'heap snapshots' },
  ],
};

function filterFields(values: Partial<Record<HistoryFilterParam, string>>): HistoryFilterField[] {
  return (Object.keys(FIELD_LABELS) as HistoryFilterParam[]).map((name) => {
    const value = values[name] ?? '';
    const choices = FIELD_OPTIONS[name];
    return {
      name,
      ...(FIELD_LABELS[name] as { label: string; placeholder: string }),
      value,
      options: choices?.map((choice) => ({ ...choice, selected: choice.value === value })),
    };
  });
}

/** The last requests, this one among them. */
export const panel: Panel = {
  id: 'history',
  title: 'History',
  inToolbar: true,
  onPage: false,
  async data(record, context, view) {
    return historyPanel(await historyEntries(context.store, await context.store.list()), {
      basePath: context.basePath,
      severity: context.severity,
      compact: view.compact,
      pageId: record.id,
    });
  },
};
