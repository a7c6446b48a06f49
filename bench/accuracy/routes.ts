/**
 * The accuracy suite's corpus (bench/accuracy.mjs): framework-neutral route functions whose allocations are known
 * by construction. Each takes no framework object and returns a JSON-able body or an HTML string. The servers in
 * this folder mount every route of `ROUTES` with their framework's own routing.
 *
 * Shapes are chosen so the bytes are easy to predict and dominated by one payload:
 * - arrays made with `new Array(n)` and filled with small integers (Smis) keep HOLEY_SMI elements, so one array is
 *   exactly a JSArray (32 B) plus a FixedArray (16 + 8n B) on a 64-bit Node without pointer compression, and the
 *   writes allocate nothing more;
 * - the arrays escape into a small module-level ring (`sink`), so no compiler can optimize them away;
 * - arrays of 1,000-1,250 elements (8-10 KB) fill V8's 256 KB young-generation pages with little waste (~1-3%);
 *   the truth the bench compares with is measured, page waste included, and `constructedBytes` is only the
 *   by-construction figure shown next to it.
 */

/** Elements of one array in the nested routes (8,048 B per array). */
export const ARRAY_LENGTH = 1_000;
/** Arrays in one "part" of the nested routes: 64 x 8,048 B = 515,072 B. */
export const PART_ARRAYS = 64;
/** One array of `n` Smi elements, as constructed: JSArray header plus its FixedArray. */
export const arrayBytes = (n: number): number => 32 + 16 + 8 * n;

const sink: unknown[] = new Array(8);

function smis(length: number): number[] {
  const array = new Array<number>(length);
  for (let i = 0; i < length; i++) array[i] = i;
  return array;
}

/** Nothing of its own: what the framework allocates for a JSON response (`{}`) is the whole window. */
export function emptyRoute(): Record<string, never> {
  return {};
}

/** ~10 KB: one array of 1,200 Smis, sent as JSON. */
export function smallJson(): { items: number[] } {
  return { items: smis(1_200) };
}

/** ~2.5 MB: 250 arrays of 1,250 Smis, sent as JSON (~1.5 MB of JSON text on top). */
export function largeJson(): { rows: number[][] } {
  const rows: number[][] = [];
  for (let i = 0; i < 250; i++) rows.push(smis(1_250));
  return { rows };
}

/** ~210 KB page: 6,000 table rows joined into one string. */
export function htmlPage(): string {
  const rows: string[] = [];
  for (let i = 0; i < 6_000; i++) rows.push(`<tr><td>${i}</td><td>row-${i}</td></tr>`);
  return `<!doctype html><html><head><title>accuracy</title></head><body><table>${rows.join('\n')}</table></body></html>`;
}

/** ~20 MB of short-lived arrays (2,000 x 1,250 Smis): more than the young generation holds, so it scavenges. */
export function garbageRoute(): { arrays: number; checksum: number } {
  let checksum = 0;
  for (let i = 0; i < 2_000; i++) {
    const array = smis(1_250);
    sink[i & 7] = array;
    checksum += array.length;
  }
  return { arrays: 2_000, checksum };
}

/**
 * ~2.5 MB in two halves with a 10 ms wait between them, so that concurrent requests' windows overlap (a route
 * that runs start to finish synchronously never overlaps another one on Node's single thread).
 */
export async function asyncJson(): Promise<{ arrays: number; checksum: number }> {
  let checksum = 0;
  for (let i = 0; i < 125; i++) {
    const array = smis(1_250);
    sink[i & 7] = array;
    checksum += array.length;
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (let i = 0; i < 125; i++) {
    const array = smis(1_250);
    sink[i & 7] = array;
    checksum += array.length;
  }
  return { arrays: 250, checksum };
}

// The nested routes: the outer function allocates 4 parts in its own body (not through a helper, whose frame
// would get the bytes), then calls the inner one, which allocates 1 part: `inner` is 20% of the route's bytes.

export function hotOuter(): { parts: number; checksum: number } {
  let checksum = 0;
  for (let i = 0; i < 4 * PART_ARRAYS; i++) {
    const array = new Array<number>(ARRAY_LENGTH);
    for (let j = 0; j < ARRAY_LENGTH; j++) array[j] = j;
    sink[i & 7] = array;
    checksum += array.length;
  }
  return { parts: 5, checksum: checksum + hotInner() };
}

export function hotInner(): number {
  let checksum = 0;
  for (let i = 0; i < PART_ARRAYS; i++) {
    const array = new Array<number>(ARRAY_LENGTH);
    for (let j = 0; j < ARRAY_LENGTH; j++) array[j] = j;
    sink[i & 7] = array;
    checksum += array.length;
  }
  return checksum;
}

/** The same as `hotOuter`, as a different function: the bench calls it only 5 times per process (cold code). */
export function coldOuter(): { parts: number; checksum: number } {
  let checksum = 0;
  for (let i = 0; i < 4 * PART_ARRAYS; i++) {
    const array = new Array<number>(ARRAY_LENGTH);
    for (let j = 0; j < ARRAY_LENGTH; j++) array[j] = j;
    sink[i & 7] = array;
    checksum += array.length;
  }
  return { parts: 5, checksum: checksum + coldInner() };
}

export function coldInner(): number {
  let checksum = 0;
  for (let i = 0; i < PART_ARRAYS; i++) {
    const array = new Array<number>(ARRAY_LENGTH);
    for (let j = 0; j < ARRAY_LENGTH; j++) array[j] = j;
    sink[i & 7] = array;
    checksum += array.length;
  }
  return checksum;
}

/** A class with three Smi fields: 24 B of header plus 3 x 8 B once V8's slack tracking has settled. */
export class AccuracyWidget {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  constructor(i: number) {
    this.a = i;
    this.b = i * 2;
    this.c = i * 3;
  }
}

/** Widgets `retainWidgets` keeps per call. */
export const WIDGETS_PER_CALL = 5_000;
/** Module-level on purpose: what /acc/retain creates stays alive for the life of the process. */
const retainedWidgets: AccuracyWidget[] = [];

/** Retains 5,000 `AccuracyWidget`s forever (plus the growth of the module array that holds them). */
export function retainWidgets(): { retained: number } {
  for (let i = 0; i < WIDGETS_PER_CALL; i++) retainedWidgets.push(new AccuracyWidget(i));
  return { retained: retainedWidgets.length };
}

/** Allocates ~100 KB of garbage and keeps nothing: what a heap-snapshot diff of it should find is nothing. */
export function retainNothing(): { checksum: number } {
  let checksum = 0;
  for (let i = 0; i < 10; i++) {
    const array = smis(1_250);
    checksum += array.length;
  }
  return { checksum };
}

export interface AccuracyRoute {
  path: string;
  /** `html` routes answer `text/html` (the toolbar is injected when the client accepts HTML). */
  type: 'json' | 'html';
  /** The body (or a promise of it: every server awaits one). */
  handler: () => unknown;
  /** What the route function itself allocates by construction (before serialization), when it is simple. */
  constructedBytes?: number;
}

export const ROUTES: readonly AccuracyRoute[] = [
  { path: '/acc/empty', type: 'json', handler: emptyRoute },
  { path: '/acc/small', type: 'json', handler: smallJson, constructedBytes: 32 + arrayBytes(1_200) },
  { path: '/acc/large', type: 'json', handler: largeJson, constructedBytes: 250 * arrayBytes(1_250) },
  { path: '/acc/html', type: 'html', handler: htmlPage },
  { path: '/acc/gc', type: 'json', handler: garbageRoute, constructedBytes: 2_000 * arrayBytes(1_250) },
  { path: '/acc/async', type: 'json', handler: asyncJson, constructedBytes: 250 * arrayBytes(1_250) },
  {
    path: '/acc/hot',
    type: 'json',
    handler: hotOuter,
    constructedBytes: 5 * PART_ARRAYS * arrayBytes(ARRAY_LENGTH),
  },
  {
    path: '/acc/cold',
    type: 'json',
    handler: coldOuter,
    constructedBytes: 5 * PART_ARRAYS * arrayBytes(ARRAY_LENGTH),
  },
  { path: '/acc/retain', type: 'json', handler: retainWidgets },
  { path: '/acc/nothing', type: 'json', handler: retainNothing, constructedBytes: 10 * arrayBytes(1_250) },
];

/** Functions the truth probe can measure alone (`/__truth/fn?name=`), by the names the profiler reports. */
export const MEASURABLE: Readonly<Record<string, () => unknown>> = {
  emptyRoute,
  smallJson,
  largeJson,
  htmlPage,
  garbageRoute,
  hotOuter,
  hotInner,
  retainNothing,
};
