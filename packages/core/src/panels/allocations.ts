import { formatBytes } from '../format.js';
import { DEFAULT_EDITOR_URL } from '../options.js';
import { plural } from '../plural.js';
import { editorLink } from '../profile/editor-link.js';
import { formatLocation, hideFrames, topFunctions } from '../profile/views.js';
import type { FrameKind, FunctionRow, RequestRecord } from '../types.js';
import type { Panel } from './panel.js';

/** Rows per table of the Allocations panel. */
const ROWS = 15;
/**
 * Which frames the tables show. `relevant` (the default) hides Node.js internals and ramflow's own frames, `app`
 * also hides node_modules; hidden frames' bytes count in their nearest visible caller.
 */
export type FrameFilter = 'all' | 'relevant' | 'app';

export const FRAME_FILTERS: Record<
  FrameFilter,
  { hide: ReadonlySet<FrameKind>; label: string; note: string }
> = {
  all: {
    hide: new Set(),
    label: 'All frames',
    note: 'Every frame is shown, Node.js internals and ramflow included',
  },
  relevant: {
    hide: new Set<FrameKind>(['node', 'ramflow']),
    label: 'Hide Node.js & ramflow',
    note: "Node.js internals and ramflow's own frames are hidden; their bytes count in their callers",
  },
  app: {
    hide: new Set<FrameKind>(['node', 'ramflow', 'dependency']),
    label: 'Your code only',
    note: "Node.js internals, ramflow's own frames and node_modules are hidden; their bytes count in their callers",
  },
};

/** The frame filter named by a `frames` query value; the default for anything else. */
export function frameFilter(value: string | null | undefined): FrameFilter {
  return value === 'all' || value === 'app' ? value : 'relevant';
}

/** One function of the Allocations panel's tables. */
export interface AllocationRow {
  name: string;
  /** Short `file.js:12` location. */
  location: string;
  kind: FrameKind;
  /** Formatted own bytes (callees excluded). */
  selfBytes: string;
  /** Formatted bytes including callees. */
  totalBytes: string;
  /** Share of the profile's bytes of the figure the table ranks by, e.g. `12.5%`. */
  share: string;
  /** `vscode://file/…` link for the app's and dependencies' files. */
  editorHref?: string;
}

/** A download of the request's data. */
export interface AllocationDownload {
  label: string;
  href: string;
  filename: string;
}

/** Template data of the Allocations panel (templates/panels/allocations.hbs) when the request has a profile. */
export interface AllocationsAvailable {
  available: true;
  /** `allocated` or `retained`, and what it means. */
  view: string;
  viewLabel: string;
  totalBytes: string;
  interval: string;
  sampleCount: number;
  /** How the figures were estimated, e.g. `Estimated from 8 samples, about one per 33 KB allocated.` */
  sampling: string;
  /** What the current frame filter leaves out, and where those bytes went. */
  hiddenNote: string;
  /** The frame filters, as links (`?frames=…`) the toolbar reloads the panel with. */
  filters: { label: string; query: string; active: boolean }[];
  /** False when the window had no samples: the tables would be all zeros, so they are not shown. */
  hasSamples: boolean;
  bySelf: AllocationRow[];
  byTotal: AllocationRow[];
  notes: string[];
  downloads: AllocationDownload[];
}

/** Template data of the Allocations panel when the request has no profile: why not, never zeros. */
export interface AllocationsUnavailable {
  available: false;
  reason: string;
  downloads: AllocationDownload[];
}

/** How the Allocations panel links and filters. */
export interface AllocationsPanelOptions {
  /** The `editorUrl` option: "open in editor" URL template, or false. @default vscode://file/{path}:{line}:{column} */
  editorUrl?: string | false;
  /** Which frames the tables show. @default "relevant" */
  frames?: FrameFilter;
}

/** Template data of the Allocations panel. */
export type AllocationsPanel = AllocationsAvailable | AllocationsUnavailable;

/**
 * Builds the Allocations panel from a stored record: the top functions by own and by total bytes with Node.js
 * internals and ramflow hidden (their bytes count in their callers), the profile's parameters and notes, and
 * download links for the exports under `basePath`. Without a profile it says why there is none.
 */
export function allocationsPanel(
  record: RequestRecord,
  basePath: string,
  options: AllocationsPanelOptions = {},
): AllocationsPanel {
  const editorUrl = options.editorUrl ?? DEFAULT_EDITOR_URL;
  const frames = options.frames ?? 'relevant';
  const { hide, note } = FRAME_FILTERS[frames];
  const api = `${basePath}/api/requests/${record.id}`;
  const raw: AllocationDownload = { label: 'raw JSON', href: api, filename: `ramflow-${record.id}.json` };
  const profile = record.allocations;
  if (profile === undefined) {
    return {
      available: false,
      reason: sentence(
        record.allocationsUnavailable ??
          `the sampling backend did not run for this request: backend ${record.backend.name}`,
      ),
      downloads: [raw],
    };
  }
  const table = (by: 'self' | 'total'): AllocationRow[] =>
    topFunctions(profile, { by, hide, limit: ROWS }).map((row) => allocationRow(row, by, editorUrl));
  const unattributed = hide.size > 0 ? hideFrames(profile, hide).root.selfBytes : 0;
  const notes = [...profile.notes];
  if (profile.pruned !== undefined && profile.pruned.nodes > 0) {
    notes.push(
      `${profile.pruned.nodes} small call paths (${formatBytes(profile.pruned.bytes)}) were merged into (other) to bound the record's size.`,
    );
  }
  return {
    available: true,
    view: profile.view,
    viewLabel:
      profile.view === 'allocated'
        ? 'everything the request allocated, garbage included'
        : 'what the request allocated that was still alive after a full garbage collection',
    totalBytes: formatBytes(profile.totalBytes),
    interval: formatBytes(profile.samplingInterval),
    sampleCount: profile.sampleCount,
    sampling: `Estimated from ${plural(profile.sampleCount, 'sample')}, about one per ${formatBytes(profile.samplingInterval)} allocated.`,
    hiddenNote: `${note}${
      unattributed > 0 ? ` (${formatBytes(unattributed)} had no visible caller and appear in no row)` : ''
    }.`,
    filters: (Object.keys(FRAME_FILTERS) as FrameFilter[]).map((name) => ({
      label: FRAME_FILTERS[name].label,
      query: `frames=${name}`,
      active: name === frames,
    })),
    hasSamples: profile.sampleCount > 0 && profile.totalBytes > 0,
    bySelf: table('self'),
    byTotal: table('total'),
    notes,
    downloads: [
      {
        label: '.heapprofile',
        href: `${api}/profile.heapprofile`,
        filename: `ramflow-${record.id}.heapprofile`,
      },
      { label: 'pprof', href: `${api}/profile.pb.gz`, filename: `ramflow-${record.id}.pb.gz` },
      {
        label: 'speedscope',
        href: `${api}/profile.speedscope.json`,
        filename: `ramflow-${record.id}.speedscope.json`,
      },
      raw,
    ],
  };
}

function allocationRow(row: FunctionRow, by: 'self' | 'total', editorUrl: string | false): AllocationRow {
  const out: AllocationRow = {
    name: row.frame.name,
    location: formatLocation(row.frame),
    kind: row.frame.kind,
    selfBytes: formatBytes(row.selfBytes),
    totalBytes: formatBytes(row.totalBytes),
    share: formatShare(by === 'self' ? row.selfShare : row.totalShare),
  };
  const href = editorLink(row.frame, editorUrl);
  if (href !== undefined) out.editorHref = href;
  return out;
}

/** The reason as a sentence ending: a full stop added unless it already ends with punctuation. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A fraction as a percentage with one decimal; tiny non-zero shares read `<0.1%` rather than `0.0%`. */
function formatShare(share: number): string {
  if (share > 0 && share < 0.0005) return '<0.1%';
  return `${(share * 100).toFixed(1)}%`;
}

/** The functions that allocated, ranked, from the sampling profile. */
export const panel: Panel = {
  id: 'allocations',
  title: 'Allocations',
  inToolbar: true,
  onPage: true,
  data(record, context, view) {
    return allocationsPanel(record, context.basePath, {
      editorUrl: context.editorUrl,
      frames: frameFilter(view.params.get('frames')),
    });
  },
};
