// flamegraph/constants.js: the fixed sizes, patterns and colours of the flame graph.
// Part of flamegraph.js: Templates.asset (src/toolbar/templates.ts) joins the parts of this folder, in the order
// of its FLAME_GRAPH_PARTS, inside one closure, so every part sees the others' declarations.

/** Height of a row of boxes, in CSS pixels. */
const ROW = 18;
/** Boxes narrower than this (CSS pixels) are not drawn, nor their callees. */
const MIN_WIDTH = 0.5;
/** Canvas height when the stage's CSS sets no maximum. */
const MAX_VIEWPORT = 2000;
const FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
/** A ramflow request id, as the X-Ramflow-Id header of a re-run carries it. */
const ID = /^[0-9a-f]{8}-[0-9a-z]{1,12}$/;
/** The re-run's header name (data-rerun-header), checked before it goes in a request. */
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
/** Waits between attempts while a re-run request's record is being stored (about 3 s in all). */
const RETRY_DELAYS = [100, 200, 300, 500, 800, 1100];

/** Base colours by frame kind, as [hue, saturation %, lightness %]; the legend shows these. */
const KINDS = {
  app: { hsl: [22, 85, 62], label: 'app' },
  dependency: { hsl: [45, 85, 58], label: 'node_modules' },
  node: { hsl: [210, 14, 74], label: 'Node.js / V8' },
  ramflow: { hsl: [265, 45, 74], label: 'ramflow' },
};
const ROOT_COLOR = [0, 0, 86];
const MATCH_COLOR = [305, 80, 56];
/** Diff mode: [hue, saturation %] of boxes that grew or shrank from A to B; the lightness says how much. */
const GREW = [0, 75];
const SHRANK = [215, 75];
const EQUAL = [0, 0, 80];
