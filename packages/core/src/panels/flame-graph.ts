import { speedscopeDir } from '../export/speedscope-app.js';
import { formatBytes, formatSignedBytes } from '../format.js';
import { plural } from '../plural.js';
import { DEFAULT_FLAME_HIDE } from '../profile/flame-graph.js';
import type { AllocationProfile, RequestRecord } from '../types.js';
import type { Panel } from './panel.js';

/** The request header that asks ramflow for a retained profile (`?ramflow=retained` does the same). */
export const RETAINED_HEADER = 'X-Ramflow-Profile';
export const RETAINED_HEADER_VALUE = 'retained';

/** Options of {@link flameGraphPanel}. */
export interface FlameGraphPanelOptions {
  /** ramflow's base path (`/__ramflow`). */
  basePath: string;
  /** speedscope is served at `{basePath}/speedscope/`: offer to open the profile there. */
  speedscopeAvailable: boolean;
}

/** The other view of the same request: how the renderer can get it, or why it cannot. */
export interface FlameGraphRerun {
  /** Same-origin path and query to fetch again for the allocated view (a retained record's URL without `ramflow=retained`). */
  allocated?: string;
  /** Same-origin path and query to fetch again, with the {@link RETAINED_HEADER} header, for the retained view. */
  retained?: string;
  /** Header name and value to send with the retained re-run. */
  header: string;
  headerValue: string;
  /** Why the other view cannot be fetched from here, as a sentence (set when neither URL is). */
  reason?: string;
}

/** Template data of the Flame graph panel (templates/panels/flame-graph.hbs) for a request with a profile. */
export interface FlameGraphAvailable {
  available: true;
  mode: 'single';
  /** `allocated` or `retained`. */
  view: AllocationProfile['view'];
  viewLabel: string;
  totalBytes: string;
  /** `Estimated from 12 samples, about one per 33 KB allocated.` */
  sampling: string;
  interval: string;
  /** False when the window had no samples: there is nothing to draw. */
  hasSamples: boolean;
  /** Where the renderer loads the graph from (`hide` is added by the renderer). */
  src: string;
  basePath: string;
  /** The kinds hidden at first, as the `hide` query parameter spells them. */
  hide: string;
  rerun: FlameGraphRerun;
  /** The two view buttons, in order. */
  views: Array<{ view: AllocationProfile['view']; label: string; current: boolean; enabled: boolean }>;
  speedscopeHref?: string;
  notes: string[];
}

/** Template data of the Flame graph panel without a profile: why not, never an empty graph. */
export interface FlameGraphUnavailable {
  available: false;
  mode: 'single' | 'diff';
  reason: string;
}

export type FlameGraphPanel = FlameGraphAvailable | FlameGraphUnavailable;

/** Template data of the flame graph of the compare page (`data-mode="diff"`). */
export interface FlameGraphCompareAvailable {
  available: true;
  mode: 'diff';
  /** `{basePath}/api/compare/flamegraph.json?a=…&b=…`. */
  src: string;
  basePath: string;
  hide: string;
  /** B's and A's estimated bytes, and B minus A, formatted. */
  totalBytes: string;
  totalBytes0: string;
  delta: string;
  /** `allocated` / `retained` of each; a warning sentence when they differ. */
  view: AllocationProfile['view'];
  view0: AllocationProfile['view'];
  viewWarning?: string;
  sampling: string;
  hasSamples: boolean;
  notes: string[];
}

export type FlameGraphCompare = FlameGraphCompareAvailable | FlameGraphUnavailable;

/**
 * Builds the Flame graph panel from a stored record: the headline figures, the address of its
 * `flamegraph.json`, how to get the other view (allocated or retained) by re-running the request, and a speedscope
 * link. The graph itself is drawn in the browser by `assets/flamegraph.js`. Without a profile it says why.
 */
export function flameGraphPanel(record: RequestRecord, options: FlameGraphPanelOptions): FlameGraphPanel {
  const profile = record.allocations;
  if (profile === undefined) return { available: false, mode: 'single', reason: unavailableReason(record) };
  const { basePath } = options;
  const api = `${basePath}/api/requests/${record.id}`;
  const rerun = rerunUrls(record, profile.view);
  const other = profile.view === 'allocated' ? 'retained' : 'allocated';
  const panel: FlameGraphAvailable = {
    available: true,
    mode: 'single',
    view: profile.view,
    viewLabel: viewLabel(profile.view),
    totalBytes: formatBytes(profile.totalBytes),
    sampling: samplingText(profile),
    interval: formatBytes(profile.samplingInterval),
    hasSamples: profile.sampleCount > 0 && profile.totalBytes > 0,
    src: `${api}/flamegraph.json`,
    basePath,
    hide: [...DEFAULT_FLAME_HIDE].join(','),
    rerun,
    views: (['allocated', 'retained'] as const).map((view) => ({
      view,
      label: view === 'allocated' ? 'Allocated' : 'Retained',
      current: view === profile.view,
      enabled: view === profile.view || rerun[other] !== undefined,
    })),
    notes: [...profile.notes],
  };
  if (profile.pruned !== undefined && profile.pruned.nodes > 0) {
    panel.notes.push(
      `${profile.pruned.nodes} small call paths (${formatBytes(profile.pruned.bytes)}) were merged into (smaller call paths) to bound the record's size.`,
    );
  }
  if (options.speedscopeAvailable) {
    const profileUrl = `${api}/profile.speedscope.json`;
    const title = `ramflow ${record.request.method} ${record.request.url} (${profile.view})`;
    panel.speedscopeHref = `${basePath}/speedscope/#profileURL=${encodeURIComponent(profileUrl)}&title=${encodeURIComponent(title)}`;
  }
  return panel;
}

/**
 * Template data of the compare page's flame graph: B drawn at its widths and coloured by its change from A. The
 * graph is served by `{basePath}/api/compare/flamegraph.json?a=<A's id>&b=<B's id>` (see `flameGraphDiff`).
 */
export function flameGraphCompare(
  a: RequestRecord,
  b: RequestRecord,
  options: { basePath: string },
): FlameGraphCompare {
  const profileA = a.allocations;
  const profileB = b.allocations;
  if (profileA === undefined || profileB === undefined) {
    const missing: string[] = [];
    if (profileA === undefined)
      missing.push(`request A has no allocation stacks: ${stripStop(unavailableReason(a))}`);
    if (profileB === undefined)
      missing.push(`request B has no allocation stacks: ${stripStop(unavailableReason(b))}`);
    return { available: false, mode: 'diff', reason: sentence(missing.join('; ')) };
  }
  const query = new URLSearchParams({ a: a.id, b: b.id });
  const data: FlameGraphCompareAvailable = {
    available: true,
    mode: 'diff',
    src: `${options.basePath}/api/compare/flamegraph.json?${query.toString()}`,
    basePath: options.basePath,
    hide: [...DEFAULT_FLAME_HIDE].join(','),
    totalBytes: formatBytes(profileB.totalBytes),
    totalBytes0: formatBytes(profileA.totalBytes),
    delta: formatSignedBytes(profileB.totalBytes - profileA.totalBytes),
    view: profileB.view,
    view0: profileA.view,
    sampling: `A: ${samplingText(profileA)} B: ${samplingText(profileB)}`,
    hasSamples: profileA.totalBytes > 0 || profileB.totalBytes > 0,
    notes: [],
  };
  if (profileA.view !== profileB.view) {
    data.viewWarning = `A is the ${profileA.view} view and B the ${profileB.view} view: they measure different things, so their difference says little.`;
  }
  return data;
}

/**
 * How the renderer can fetch the other view of this request. Only GET requests whose URL is a path on this server
 * are re-run: re-running anything else could repeat its side effects.
 */
export function rerunUrls(record: RequestRecord, view: AllocationProfile['view']): FlameGraphRerun {
  const rerun: FlameGraphRerun = { header: RETAINED_HEADER, headerValue: RETAINED_HEADER_VALUE };
  const { method, url } = record.request;
  const other = view === 'allocated' ? 'retained' : 'allocated';
  if (method !== 'GET') {
    rerun.reason =
      view === 'allocated'
        ? `Re-running a ${method} request would repeat its side effects; send it again with ?ramflow=retained (or an ${RETAINED_HEADER}: retained header) for the retained view.`
        : `Re-running a ${method} request would repeat its side effects; send it again without ?ramflow=retained for the allocated view.`;
    return rerun;
  }
  if (!url.startsWith('/') || url.startsWith('//')) {
    rerun.reason = `The request's URL is not a path on this server, so the ${other} view cannot be fetched from here.`;
    return rerun;
  }
  if (view === 'allocated') rerun.retained = url;
  else rerun.allocated = withoutRetainedParam(url);
  return rerun;
}

/** The URL with every `ramflow=retained` query parameter removed; the other parameters are kept as written. */
function withoutRetainedParam(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const hash = url.indexOf('#', at);
  const query = url.slice(at + 1, hash < 0 ? undefined : hash);
  const kept = query.split('&').filter((pair) => {
    if (pair === '') return false;
    const [name = '', value = ''] = pair.split('=', 2).map((part) => decodeQueryPart(part));
    return !(name === 'ramflow' && value.toLowerCase() === 'retained');
  });
  return `${url.slice(0, at)}${kept.length > 0 ? `?${kept.join('&')}` : ''}`;
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

function unavailableReason(record: RequestRecord): string {
  return sentence(
    record.allocationsUnavailable ??
      `the sampling backend did not run for this request: backend ${record.backend.name}`,
  );
}

function viewLabel(view: AllocationProfile['view']): string {
  return view === 'allocated'
    ? 'everything the request allocated, garbage included'
    : 'what the request allocated that was still alive after a full garbage collection';
}

function samplingText(profile: AllocationProfile): string {
  return `Estimated from ${plural(profile.sampleCount, 'sample')}, about one per ${formatBytes(profile.samplingInterval)} allocated.`;
}

/** The reason as a sentence ending: a full stop added unless it already ends with punctuation. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function stripStop(text: string): string {
  return text.replace(/\.$/, '');
}

/** The sampling profile as a flame graph (drawn in the browser from `flamegraph.json`). */
export const panel: Panel = {
  id: 'flame-graph',
  title: 'Flame graph',
  inToolbar: true,
  onPage: true,
  data(record, context) {
    return flameGraphPanel(record, {
      basePath: context.basePath,
      speedscopeAvailable: speedscopeDir() !== undefined,
    });
  },
};
