import { formatBytes } from '../format.js';
import { plural } from '../plural.js';
import type { ProcessReport } from '../types.js';
import type { Panel } from './panel.js';

/** One figure of the Process panel. */
export interface ProcessKpi {
  label: string;
  value: string;
  note?: string;
  /** `warn` when the figure needs attention (safety margin under 10%, leak probability high, BLOATED). */
  tone?: 'ok' | 'warn';
}

/** A chart line of the memory timeline, as SVG polyline points. */
export interface TimelineSeries {
  name: string;
  className: string;
  points: string;
  last: string;
}

/** Template data of the Process panel (templates/panels/process.hbs, full size on the dashboard). */
export interface ProcessPanel {
  kpis: ProcessKpi[];
  leak: {
    probability: string;
    tone: 'ok' | 'warn';
    evidence: string;
    method: string;
    routes: Array<{ route: string; requests: number; growth: string; share: string }>;
  };
  chart: {
    width: number;
    height: number;
    series: TimelineSeries[];
    gcMarks: Array<{ x: string; title: string }>;
    requestMarks: Array<{ x: string; title: string }>;
    max: string;
    span: string;
    empty: boolean;
  };
  spaces: Array<{ name: string; used: string; size: string; width: string }>;
  native: ProcessKpi[];
  packages: Array<{ name: string; self: string; inclusive: string; modules: number; kind: string }>;
  bootstrapNote: string;
  measurement: string;
  audit: { verdict: string; tone: 'ok' | 'warn'; explanation: string; at: string } | undefined;
}

/** Template data of the compact Process section the toolbar's Summary ends with. */
export interface ProcessCompact {
  /** The dashboard's Process page. */
  href: string;
  rss: string;
  peak: string;
  margin: string;
  marginTone: 'ok' | 'warn';
  leak: string;
  leakTone: 'ok' | 'warn';
}

const CHART_WIDTH = 720;
const CHART_HEIGHT = 180;

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** The toolbar's one-line view of the process. */
export function processCompact(report: ProcessReport, basePath: string): ProcessCompact {
  const margin = report.memory.safetyMargin;
  return {
    href: `${basePath}/process`,
    rss: formatBytes(report.memory.rssBytes),
    peak: formatBytes(report.memory.peakRssBytes),
    margin: `${percent(margin.freeRatio)} free under ${margin.limitSource}`,
    marginTone: margin.warning ? 'warn' : 'ok',
    leak: report.leak.probability,
    leakTone: report.leak.probability === 'high' ? 'warn' : 'ok',
  };
}

/** Builds the dashboard's Process panel: the KPIs, the leak evidence, a memory timeline chart, heap spaces, packages. */
export function processPanel(report: ProcessReport): ProcessPanel {
  const { memory, allocationRate, heap, leak, bootstrap } = report;
  const margin = memory.safetyMargin;
  const kpis: ProcessKpi[] = [
    { label: 'RSS now', value: formatBytes(memory.rssBytes) },
    memory.ownPeaks === null
      ? { label: 'Peak RSS', value: formatBytes(memory.peakRssBytes) }
      : {
          label: 'Peak RSS',
          value: formatBytes(memory.peakRssBytes),
          note: `before ramflow's first heap snapshot; with its ${plural(memory.ownPeaks.snapshots, 'snapshot')} the process reached ${formatBytes(memory.ownPeaks.processPeakRssBytes)}`,
        },
    {
      label: 'Suggested container limit',
      value: formatBytes(memory.suggestedLimitBytes),
      note: memory.ownPeaks === null ? 'peak RSS + 20%' : "peak RSS + 20%, ramflow's snapshots left out",
    },
    {
      label: 'Safety margin',
      value: `${formatBytes(margin.freeBytes)} (${percent(margin.freeRatio)})`,
      note: margin.warning ?? `left under the ${formatBytes(margin.limitBytes)} of ${margin.limitSource}`,
      tone: margin.warning ? 'warn' : 'ok',
    },
    {
      label: 'Expansion factor',
      value: memory.expansionFactor === null ? 'n/a' : `${memory.expansionFactor.toFixed(2)}x`,
      note: `peak RSS over the RSS at ${bootstrap.appReady ? 'app ready' : bootstrap.source === 'preload' ? 'bootstrap' : "ramflow's import"}`,
    },
    {
      label: 'Allocation rate',
      value:
        allocationRate.bytesPerSecond === null ? 'n/a' : `${formatBytes(allocationRate.bytesPerSecond)}/s`,
      note:
        allocationRate.bytesPerSecond === null
          ? 'needs two profiled requests'
          : `over the last ${allocationRate.requests} profiled requests (${(allocationRate.windowMs / 1000).toFixed(1)} s)`,
    },
  ];
  const native: ProcessKpi[] = [
    {
      label: 'Heap used / total',
      value: `${formatBytes(heap.heapUsedBytes)} / ${formatBytes(heap.heapTotalBytes)}`,
    },
    {
      label: 'External',
      value: formatBytes(heap.externalBytes),
      note: 'memory V8 tracks outside the JS heap',
    },
    {
      label: 'ArrayBuffers',
      value: formatBytes(heap.arrayBuffersBytes),
      note: 'Buffer and ArrayBuffer backing stores',
    },
  ];
  const biggestSpace = Math.max(1, ...heap.spaces.map((space) => space.sizeBytes));
  return {
    kpis,
    leak: {
      probability: leak.probability,
      tone: leak.probability === 'high' ? 'warn' : 'ok',
      evidence: leak.evidence,
      method: leak.method,
      routes: leak.routes.map((route) => ({
        route: route.route,
        requests: route.requests,
        growth: formatBytes(route.growthBytes),
        share: percent(route.share),
      })),
    },
    chart: timelineChart(report),
    spaces: heap.spaces
      .filter((space) => space.sizeBytes > 0)
      .map((space) => ({
        name: space.name,
        used: formatBytes(space.usedBytes),
        size: formatBytes(space.sizeBytes),
        width: ((space.usedBytes / biggestSpace) * 300).toFixed(1),
      })),
    native,
    packages: bootstrap.packages.slice(0, 20).map((cost) => ({
      name: cost.name,
      self: formatBytes(cost.self.heapBytes),
      inclusive: formatBytes(cost.inclusive.heapBytes),
      modules: cost.modules,
      kind: cost.kind,
    })),
    bootstrapNote: bootstrap.note,
    measurement: bootstrap.measurement,
    audit: report.audit
      ? {
          verdict: report.audit.verdict,
          tone: report.audit.verdict === 'SECURE' ? 'ok' : 'warn',
          explanation: report.audit.explanation,
          at: report.audit.at,
        }
      : undefined,
  };
}

/** RSS, heap used and external memory over time as SVG polylines, with GC and request marks. */
function timelineChart(report: ProcessReport): ProcessPanel['chart'] {
  const { samples, marks } = report.timeline;
  const empty = samples.length < 2;
  const first = samples[0]?.at ?? 0;
  const last = samples.at(-1)?.at ?? first + 1;
  const span = Math.max(1, last - first);
  const max = Math.max(1, ...samples.map((s) => Math.max(s.rssBytes, s.heapUsedBytes, s.externalBytes)));
  const x = (at: number) => (((at - first) / span) * CHART_WIDTH).toFixed(1);
  const y = (bytes: number) => (CHART_HEIGHT - (bytes / max) * (CHART_HEIGHT - 10)).toFixed(1);
  const line = (
    name: string,
    className: string,
    pick: (s: (typeof samples)[number]) => number,
  ): TimelineSeries => ({
    name,
    className,
    points: samples.map((s) => `${x(s.at)},${y(pick(s))}`).join(' '),
    last: formatBytes(pick(samples.at(-1) ?? { at: 0, rssBytes: 0, heapUsedBytes: 0, externalBytes: 0 })),
  });
  const visible = marks.filter((mark) => mark.at >= first && mark.at <= last);
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    empty,
    max: formatBytes(max),
    span: `${Math.round(span / 1000)} s`,
    series: empty
      ? []
      : [
          line('RSS', 'rf-line-rss', (s) => s.rssBytes),
          line('Heap used', 'rf-line-heap', (s) => s.heapUsedBytes),
          line('External', 'rf-line-external', (s) => s.externalBytes),
        ],
    gcMarks: visible
      .filter((mark) => mark.kind === 'gc')
      .map((mark) => ({ x: x(mark.at), title: `${mark.label} ${mark.detail ?? ''}`.trim() })),
    requestMarks: visible
      .filter((mark) => mark.kind === 'request')
      .slice(-300)
      .map((mark) => ({ x: x(mark.at), title: mark.label })),
  };
}

/** The whole process: RSS and heap over time, limits, leak trend (the same for every request). */
export const panel: Panel = {
  id: 'process',
  title: 'Process',
  inToolbar: true,
  onPage: false,
  data(_record, context) {
    return processPanel(context.processReport());
  },
};
