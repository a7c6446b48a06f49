import { formatBytes } from '../format.js';
import { isValidRequestId } from '../ids.js';
import { plural } from '../plural.js';
import { summarize } from '../store/memory.js';
import type { MemoryBackendName, RecordSummary, Store } from '../types.js';

/** A history row's data: a store summary. Stores other than ramflow's may leave its optional fields out. */
export type HistoryEntry = RecordSummary;

/**
 * History entries for store summaries (`store.list()`, newest first). Summaries from ramflow's stores carry every
 * field; for a store that gives only the basic ones, each record is looked up (and a summary whose record was
 * evicted in between stays as it is).
 */
export async function historyEntries(
  store: Pick<Store, 'get'>,
  summaries: readonly RecordSummary[],
): Promise<HistoryEntry[]> {
  return Promise.all(
    summaries.map(async (summary) => {
      if (summary.backend !== undefined) return summary;
      const record = await store.get(summary.id);
      return record === undefined ? summary : summarize(record);
    }),
  );
}

/** The query parameters of the history filter, in the order the form shows them. */
export const HISTORY_FILTER_PARAMS = [
  'method',
  'status',
  'q',
  'min',
  'backend',
  'parent',
  'profile',
  'limit',
] as const;

export type HistoryFilterParam = (typeof HISTORY_FILTER_PARAMS)[number];

export type HistoryProfileKind = 'allocations' | 'heap';

/** A validated history filter. Absent fields do not filter. */
export interface HistoryFilter {
  /** HTTP method, upper case. */
  method?: string;
  /** Status codes from `min` to `max` inclusive; `text` as given, normalised (`2xx`, `404`). */
  status?: { text: string; min: number; max: number };
  /** Case-insensitive substring of the URL (path and query). */
  q?: string;
  /** Minimum of the allocated bytes or of the absolute heap delta: a request matches when either reaches it. */
  minBytes?: number;
  backend?: MemoryBackendName;
  /** Only the calls made by this page (requests whose `parentId` is this id). */
  parent?: string;
  /** Only requests that have this kind of profile. */
  profile?: HistoryProfileKind;
  /** Most rows shown, newest first. */
  limit?: number;
}

/** What {@link parseHistoryFilter} makes of a query. */
export interface ParsedHistoryFilter {
  /** The valid parameters; bad ones are left out (see `errors`). */
  filter: HistoryFilter;
  /** The parameters as given, for refilling the form (empty string when absent). */
  values: Record<HistoryFilterParam, string>;
  /** One message per bad parameter, saying what is accepted; that parameter is ignored. */
  errors: string[];
}

const BACKENDS: readonly MemoryBackendName[] = ['sampling', 'heap-snapshot', 'process'];
const PROFILES: readonly HistoryProfileKind[] = ['allocations', 'heap'];
export const MAX_HISTORY_LIMIT = 1000;
const MAX_QUERY_LENGTH = 200;

/** Decimal units as ramflow prints them (`formatBytes`), and binary ones for those who think in MiB. */
const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1e3,
  m: 1e6,
  g: 1e9,
};

/**
 * Parses a byte size as people type it: `1500`, `500KB`, `1.5 MB`, `2MiB` (units case-insensitive; KB/MB/GB are
 * decimal like ramflow's figures, KiB/MiB/GiB binary). Undefined when it is not one.
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*([a-z]{0,3})$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = UNIT_BYTES[(match[2] as string).toLowerCase() || 'b'];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Validates the history filter of a dashboard URL's query (`?method=GET&status=2xx&q=cart&min=1.5MB&backend=sampling
 * &parent=<id>&profile=allocations&limit=50`). Empty parameters (a form's blank fields) and unknown ones are
 * ignored. Never throws: a bad value yields a message in `errors` and is left out of the filter.
 */
export function parseHistoryFilter(query: string | URLSearchParams): ParsedHistoryFilter {
  const params =
    typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const filter: HistoryFilter = {};
  const errors: string[] = [];
  const values = Object.fromEntries(HISTORY_FILTER_PARAMS.map((name) => [name, ''])) as Record<
    HistoryFilterParam,
    string
  >;
  for (const name of HISTORY_FILTER_PARAMS) {
    const given = params.getAll(name).filter((value) => value.trim() !== '');
    if (given.length === 0) continue;
    values[name] = given[0] as string;
    if (given.length > 1) {
      errors.push(`Give "${name}" at most once.`);
      continue;
    }
    const value = (given[0] as string).trim();
    const error = parseOne(filter, name, value);
    if (error !== undefined) errors.push(error);
  }
  return { filter, values, errors };
}

/** Sets one parameter on the filter; returns the message when the value is bad. */
function parseOne(filter: HistoryFilter, name: HistoryFilterParam, value: string): string | undefined {
  switch (name) {
    case 'method':
      if (!/^[A-Za-z]{1,20}$/.test(value)) return '"method" must be an HTTP method such as GET or POST.';
      filter.method = value.toUpperCase();
      return undefined;
    case 'status': {
      const range = /^([1-5])xx$/i.exec(value);
      if (range) {
        const hundreds = Number(range[1]) * 100;
        filter.status = { text: `${range[1]}xx`, min: hundreds, max: hundreds + 99 };
        return undefined;
      }
      if (/^[1-5][0-9]{2}$/.test(value)) {
        filter.status = { text: value, min: Number(value), max: Number(value) };
        return undefined;
      }
      return '"status" must be a status code such as 404, or a class such as 2xx or 5xx.';
    }
    case 'q':
      if (value.length > MAX_QUERY_LENGTH) return `"q" must be at most ${MAX_QUERY_LENGTH} characters.`;
      filter.q = value;
      return undefined;
    case 'min': {
      const bytes = parseByteSize(value);
      if (bytes === undefined) return '"min" must be a size in bytes such as 500000, 500KB, 1.5MB or 2MiB.';
      filter.minBytes = bytes;
      return undefined;
    }
    case 'backend':
      if (!(BACKENDS as readonly string[]).includes(value))
        return `"backend" must be one of ${BACKENDS.join(', ')}.`;
      filter.backend = value as MemoryBackendName;
      return undefined;
    case 'parent':
      if (!isValidRequestId(value))
        return '"parent" must be a ramflow request id (the X-Ramflow-Id of a page), such as 1a2b3c4d-1f.';
      filter.parent = value;
      return undefined;
    case 'profile':
      if (!(PROFILES as readonly string[]).includes(value))
        return '"profile" must be "allocations" (requests with allocation stacks) or "heap" (requests with heap snapshots).';
      filter.profile = value as HistoryProfileKind;
      return undefined;
    case 'limit': {
      const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
      if (!(limit >= 1 && limit <= MAX_HISTORY_LIMIT))
        return `"limit" must be a whole number from 1 to ${MAX_HISTORY_LIMIT}.`;
      filter.limit = limit;
      return undefined;
    }
  }
}

/** True when the filter selects rows (a `limit` alone only shortens the list). */
export function isFilterActive(filter: HistoryFilter): boolean {
  return (
    filter.method !== undefined ||
    filter.status !== undefined ||
    filter.q !== undefined ||
    filter.minBytes !== undefined ||
    filter.backend !== undefined ||
    filter.parent !== undefined ||
    filter.profile !== undefined
  );
}

/** The filter in words, for "no request matches …" and the page's heading. Empty when it selects nothing. */
export function describeFilter(filter: HistoryFilter): string {
  const parts: string[] = [];
  if (filter.method !== undefined) parts.push(`method ${filter.method}`);
  if (filter.status !== undefined) parts.push(`status ${filter.status.text}`);
  if (filter.q !== undefined) parts.push(`URL contains "${filter.q}"`);
  if (filter.minBytes !== undefined)
    parts.push(`allocated or heap delta at least ${formatBytes(filter.minBytes)}`);
  if (filter.backend !== undefined) parts.push(`backend ${filter.backend}`);
  if (filter.parent !== undefined) parts.push(`calls made by page ${filter.parent}`);
  if (filter.profile === 'allocations') parts.push('with allocation stacks');
  if (filter.profile === 'heap') parts.push('with heap snapshots');
  return parts.join(', ');
}

/** The filter as a query string (no leading `?`), for links that keep or extend it. */
export function filterQuery(filter: HistoryFilter): string {
  const params = new URLSearchParams();
  if (filter.method !== undefined) params.set('method', filter.method);
  if (filter.status !== undefined) params.set('status', filter.status.text);
  if (filter.q !== undefined) params.set('q', filter.q);
  if (filter.minBytes !== undefined) params.set('min', String(filter.minBytes));
  if (filter.backend !== undefined) params.set('backend', filter.backend);
  if (filter.parent !== undefined) params.set('parent', filter.parent);
  if (filter.profile !== undefined) params.set('profile', filter.profile);
  if (filter.limit !== undefined) params.set('limit', String(filter.limit));
  return params.toString();
}

/** What {@link applyHistoryFilter} keeps. */
export interface FilteredHistory<T extends HistoryEntry> {
  /** The matching entries in the given order (newest first), at most `limit`. */
  entries: T[];
  /** Entries given. */
  total: number;
  /** Entries that match, before `limit`. */
  matched: number;
  /**
   * Entries left out because they lack what a criterion needs (`backend`, `hasAllocations`, `hasHeap`): the
   * store's summaries do not say. Messages for the reader in `notes`.
   */
  undetermined: number;
  notes: string[];
}

/** Keeps the entries that match every criterion of the filter, then at most `limit` of them. */
export function applyHistoryFilter<T extends HistoryEntry>(
  entries: readonly T[],
  filter: HistoryFilter,
): FilteredHistory<T> {
  const q = filter.q?.toLowerCase();
  const unknown = { backend: 0, profile: 0 };
  const matching = entries.filter((entry) => {
    if (filter.method !== undefined && entry.method.toUpperCase() !== filter.method) return false;
    if (
      filter.status !== undefined &&
      (entry.statusCode < filter.status.min || entry.statusCode > filter.status.max)
    )
      return false;
    if (q !== undefined && !entry.url.toLowerCase().includes(q)) return false;
    if (filter.parent !== undefined && entry.parentId !== filter.parent) return false;
    if (filter.minBytes !== undefined) {
      const allocated = entry.allocatedBytes ?? Number.NEGATIVE_INFINITY;
      if (allocated < filter.minBytes && Math.abs(entry.heapDeltaBytes) < filter.minBytes) return false;
    }
    if (filter.backend !== undefined) {
      if (entry.backend === undefined) {
        unknown.backend++;
        return false;
      }
      if (entry.backend !== filter.backend) return false;
    }
    if (filter.profile !== undefined) {
      const has = filter.profile === 'allocations' ? entry.hasAllocations : entry.hasHeap;
      if (has === undefined) {
        unknown.profile++;
        return false;
      }
      if (!has) return false;
    }
    return true;
  });
  const notes: string[] = [];
  if (unknown.backend > 0)
    notes.push(
      `${plural(unknown.backend, 'request')} left out: the store's summaries do not say which backend measured them.`,
    );
  if (unknown.profile > 0)
    notes.push(
      `${plural(unknown.profile, 'request')} left out: the store's summaries do not say whether they have ${
        filter.profile === 'heap' ? 'heap snapshots' : 'allocation stacks'
      }.`,
    );
  return {
    entries: filter.limit === undefined ? matching : matching.slice(0, filter.limit),
    total: entries.length,
    matched: matching.length,
    undetermined: unknown.backend + unknown.profile,
    notes,
  };
}
