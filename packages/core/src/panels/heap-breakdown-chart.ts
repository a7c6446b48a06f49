/**
 * The Heap objects panel's charts, as geometry for server-rendered SVG (templates/panels/heap-breakdown.hbs): no
 * script, no inline style, only numbers and class names as attributes.
 *
 *  - A stacked bar of what the request left alive by kind of object: the new objects' self (shallow) sizes by V8
 *    node type, plus the native memory (Buffer and ArrayBuffer contents) they keep alive. Self sizes partition
 *    the new objects, so they add up; retained sizes overlap (an array's includes its elements', a class's
 *    includes the Buffers it holds), so stacking them would count bytes twice or more.
 *  - The largest classes by retained size, one bar each, on a common scale.
 */
import { formatBytes } from '../format.js';
import type { HeapObjectGroup, HeapObjectsDiff } from '../types.js';

/** The kinds of object the stacked bar groups V8's node types into, in the bar's (fixed) order. */
export type HeapCategoryKey = 'objects' | 'arrays' | 'strings' | 'closures' | 'native' | 'other';

interface CategoryInfo {
  key: HeapCategoryKey;
  label: string;
  /** What the category holds, for the legend's tooltip. */
  description: string;
}

const CATEGORIES: readonly CategoryInfo[] = [
  {
    key: 'objects',
    label: 'objects',
    description: 'JavaScript objects: class instances, plain objects, Maps, Sets, regular expressions, …',
  },
  {
    key: 'arrays',
    label: 'arrays',
    description: "JavaScript Arrays and V8's internal arrays (the element and property stores of objects)",
  },
  { key: 'strings', label: 'strings', description: 'Strings, including concatenated and sliced strings' },
  {
    key: 'closures',
    label: 'closures & code',
    description: 'Functions, the scopes they close over (system / Context) and compiled code',
  },
  {
    key: 'native',
    label: 'native (Buffers/ArrayBuffers)',
    description: 'Buffer and ArrayBuffer contents: native memory outside the JavaScript heap',
  },
  {
    key: 'other',
    label: 'other',
    description: 'V8 internals: object shapes, heap numbers, symbols, BigInts, system objects',
  },
];

/** Width of both charts' coordinate systems (they scale down with CSS in narrow panels). */
export const CHART_WIDTH = 520;
const BAR_HEIGHT = 18;
/** The least width a non-empty segment gets, so that a small category stays visible. */
const MIN_SEGMENT = 2;
const ROW_HEIGHT = 20;
const ROW_BAR_HEIGHT = 14;
/** The class-name column of the constructors chart, and the room kept after a bar for its value. */
const LABEL_WIDTH = 170;
const VALUE_WIDTH = 64;
const MAX_LABEL_CHARS = 24;
/** Classes in the constructors chart. */
export const TOP_CONSTRUCTORS = 8;

/** One category of the stacked bar, with its place in it and its legend entry. */
export interface HeapBreakdownSegment {
  key: HeapCategoryKey;
  label: string;
  description: string;
  /** `rf-cat-objects`, …: the fill (and legend swatch) colour. */
  className: string;
  bytes: number;
  /** Formatted bytes, e.g. `1.2 MB`. */
  size: string;
  /** Share of the bar, e.g. `42.0%`. */
  share: string;
  x: number;
  width: number;
  /** Tooltip: `strings: 71 KB (2.1%)`. */
  title: string;
}

/** One class of the constructors chart. */
export interface HeapConstructorBar {
  /** The full class name. */
  name: string;
  /** The name as drawn: shortened to fit the label column (the full one is in `title`). */
  label: string;
  type: string;
  category: HeapCategoryKey;
  className: string;
  count: number;
  bytes: number;
  size: string;
  /** Top of the bar, its height, and the baseline of its texts. */
  y: number;
  height: number;
  textY: number;
  x: number;
  width: number;
  /** Where the label ends (right-aligned) and where the value starts. */
  labelX: number;
  valueX: number;
  title: string;
}

/** The constructors chart: the largest classes by retained size. */
export interface HeapConstructorChart {
  width: number;
  height: number;
  bars: HeapConstructorBar[];
  /** The chart in words, for screen readers (`aria-label`) and the SVG's `<title>`. */
  summary: string;
}

/** Template data of the breakdown charts. */
export interface HeapBreakdownChart {
  /** False when the new objects weigh nothing: no chart (the panel says why). */
  hasData: boolean;
  /** What the stacked bar measures. */
  basis: 'self+native';
  basisLabel: string;
  total: number;
  totalSize: string;
  width: number;
  height: number;
  /** Every category, in the bar's order; empty ones have width 0 and are left out of `legend`. */
  segments: HeapBreakdownSegment[];
  /** The non-empty categories, for the legend. */
  legend: HeapBreakdownSegment[];
  /** The bar in words, for screen readers (`aria-label`) and the SVG's `<title>`. */
  summary: string;
  constructors: HeapConstructorChart | undefined;
  notes: string[];
}

/**
 * The category of a group of new objects from its V8 node type and class: JS `Array`s are `object` nodes
 * named `Array`, V8's internal arrays are `array` nodes; closure scopes are `object` nodes named
 * `system / Context`.
 */
export function typeCategory(type: string, constructorName: string): HeapCategoryKey {
  switch (type) {
    case 'native':
      return 'native';
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return 'strings';
    case 'closure':
    case 'code':
      return 'closures';
    case 'array':
      return 'arrays';
    case 'object':
    case 'regexp':
      if (constructorName === 'Array') return 'arrays';
      if (constructorName === 'system / Context') return 'closures';
      if (constructorName.startsWith('system / ')) return 'other';
      return 'objects';
    default:
      return 'other';
  }
}

/**
 * Builds both charts from a heap diff. Bytes per category: the self sizes of the groups of that category,
 * except native nodes, whose bytes are the native memory the new objects keep alive (`totals.nativeBytes`,
 * counted once, or the new native nodes' own sizes if more); groups beyond the record's limit (`omitted`)
 * count as `other`.
 */
export function heapBreakdownChart(
  heap: Pick<HeapObjectsDiff, 'newObjects' | 'totals' | 'omitted'>,
  options: { width?: number; topConstructors?: number } = {},
): HeapBreakdownChart {
  const width = options.width ?? CHART_WIDTH;
  const bytes: Record<HeapCategoryKey, number> = {
    objects: 0,
    arrays: 0,
    strings: 0,
    closures: 0,
    native: 0,
    other: 0,
  };
  let nativeNodes = 0;
  for (const group of heap.newObjects) {
    const category = typeCategory(group.type, group.constructorName);
    if (category === 'native') nativeNodes += nonNegative(group.selfBytes);
    else bytes[category] += nonNegative(group.selfBytes);
  }
  bytes.native = Math.max(nonNegative(heap.totals.nativeBytes), nativeNodes);
  const notes: string[] = [];
  const omitted = heap.omitted;
  if (omitted !== undefined && omitted.groups > 0 && omitted.selfBytes > 0) {
    bytes.other += nonNegative(omitted.selfBytes);
    notes.push(
      `${omitted.groups} smaller class${omitted.groups === 1 ? '' : 'es'} beyond the record's limit (${formatBytes(omitted.selfBytes)}) count as other.`,
    );
  }
  const total = CATEGORIES.reduce((sum, { key }) => sum + bytes[key], 0);
  const widths = segmentWidths(
    CATEGORIES.map(({ key }) => bytes[key]),
    total,
    width,
  );
  let x = 0;
  const segments = CATEGORIES.map((category, i): HeapBreakdownSegment => {
    const amount = bytes[category.key];
    const segmentWidth = widths[i] as number;
    const share = percent(amount, total);
    const segment: HeapBreakdownSegment = {
      key: category.key,
      label: category.label,
      description: category.description,
      className: `rf-cat-${category.key}`,
      bytes: amount,
      size: formatBytes(amount),
      share,
      x: round1(x),
      // Both ends rounded, so that neighbours meet exactly.
      width: round1(round1(x + segmentWidth) - round1(x)),
      title: `${category.label}: ${formatBytes(amount)} (${share})`,
    };
    x += segmentWidth;
    return segment;
  });
  const legend = segments.filter((segment) => segment.bytes > 0);
  const totalSize = formatBytes(total);
  return {
    hasData: total > 0,
    basis: 'self+native',
    basisLabel:
      'Self size of the new objects by type, plus the native memory (Buffer and ArrayBuffer contents) they keep alive. ' +
      'Self sizes add up; retained sizes overlap, so they are not stacked.',
    total,
    totalSize,
    width,
    height: BAR_HEIGHT,
    segments,
    legend,
    summary:
      total > 0
        ? `New objects by type, self size plus native memory, ${totalSize} in all: ${legend
            .map((segment) => `${segment.label} ${segment.size} (${segment.share})`)
            .join(', ')}.`
        : 'The new objects weigh nothing.',
    constructors: constructorChart(heap.newObjects, width, options.topConstructors ?? TOP_CONSTRUCTORS),
    notes,
  };
}

function constructorChart(
  groups: readonly HeapObjectGroup[],
  width: number,
  limit: number,
): HeapConstructorChart | undefined {
  const top = groups
    .filter((group) => group.retainedBytes > 0)
    .sort((a, b) => b.retainedBytes - a.retainedBytes || b.selfBytes - a.selfBytes)
    .slice(0, Math.max(0, limit));
  if (top.length === 0) return undefined;
  const max = top[0]?.retainedBytes ?? 1;
  const barArea = Math.max(10, width - LABEL_WIDTH - VALUE_WIDTH);
  const bars = top.map((group, i): HeapConstructorBar => {
    const category = typeCategory(group.type, group.constructorName);
    const barWidth = Math.max(1, (group.retainedBytes / max) * barArea);
    const size = formatBytes(group.retainedBytes);
    const objects = `${group.count.toLocaleString('en-US')} object${group.count === 1 ? '' : 's'}`;
    return {
      name: group.constructorName,
      label: shorten(group.constructorName, MAX_LABEL_CHARS),
      type: group.type,
      category,
      className: `rf-cat-${category}`,
      count: group.count,
      bytes: group.retainedBytes,
      size,
      y: i * ROW_HEIGHT + (ROW_HEIGHT - ROW_BAR_HEIGHT) / 2,
      height: ROW_BAR_HEIGHT,
      textY: i * ROW_HEIGHT + 14,
      x: LABEL_WIDTH,
      width: round1(barWidth),
      labelX: LABEL_WIDTH - 6,
      valueX: round1(LABEL_WIDTH + barWidth + 4),
      title: `${group.constructorName} (${group.type}): ${objects}, retaining ${size}`,
    };
  });
  return {
    width,
    height: bars.length * ROW_HEIGHT,
    bars,
    summary: `The ${bars.length} largest class${bars.length === 1 ? '' : 'es'} by retained size: ${bars
      .map((bar) => `${bar.name} ${bar.size}`)
      .join(', ')}.`,
  };
}

/**
 * Widths of the stacked bar's segments, proportional to their bytes and summing to `width`; a non-empty
 * segment gets at least {@link MIN_SEGMENT}, taken from the largest one.
 */
function segmentWidths(values: readonly number[], total: number, width: number): number[] {
  if (total <= 0) return values.map(() => 0);
  const widths = values.map((value) => (value > 0 ? Math.max(MIN_SEGMENT, (value / total) * width) : 0));
  const excess = widths.reduce((sum, w) => sum + w, 0) - width;
  if (excess > 0) {
    let largest = 0;
    for (let i = 1; i < widths.length; i++)
      if ((widths[i] as number) > (widths[largest] as number)) largest = i;
    widths[largest] = Math.max(0, (widths[largest] as number) - excess);
  }
  return widths;
}

/** `42.0%`; `<0.1%` for a share that is not zero but would read as one. */
function percent(part: number, total: number): string {
  if (total <= 0) return '0.0%';
  const share = (part / total) * 100;
  return part > 0 && share < 0.05 ? '<0.1%' : `${share.toFixed(1)}%`;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** At most `max` characters, the end replaced with `…` when cut. */
function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
