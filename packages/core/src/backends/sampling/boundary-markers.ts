/**
 * Boundary markers cut one long-running sampling profile into request windows without fetching the profile
 * per request (a fetch forces a full garbage collection). A marker is an allocation large enough to be
 * sampled almost surely (8 sampling intervals: missed with probability e^-8, about 0.03%) made by one of a
 * few distinct functions, so the profile shows, in sample order, which boundary happened where. Cycling
 * through the functions lets a missed marker be detected rather than mistaken for the next one.
 *
 * The arrays stay below V8's regular-object limit (128 KiB): a large-object-space allocation costs ~25x more
 * (measured: 227 µs for one 256 KiB array vs 8.5 µs for a 128 KB one).
 */

/** Elements per marker array: 131,040 bytes of elements, just under the 131,072-byte regular-object limit. */
const ELEMENTS = 16_380;
/** Bytes one marker array occupies (elements plus the FixedArray header). */
export const MARKER_ARRAY_BYTES = ELEMENTS * 8 + 16;
/** Markers are at most this many arrays (8 MiB, 8 intervals at the load governor's 1 MiB). */
const MAX_ARRAYS = 64;

function allocate(count: number): unknown[][] {
  const arrays: unknown[][] = [];
  for (let i = 0; i < count; i++) arrays.push(new Array(ELEMENTS));
  return arrays;
}

// Eight distinct functions, called through a megamorphic site so the optimizing compiler never inlines them
// into their caller (the sampling profiler reports physical frames, and an inlined marker would vanish).
function ramflowBoundaryMarker0(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker1(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker2(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker3(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker4(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker5(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker6(count: number): unknown[][] {
  return allocate(count);
}
function ramflowBoundaryMarker7(count: number): unknown[][] {
  return allocate(count);
}

const MARKERS: ReadonlyArray<(count: number) => unknown[][]> = [
  ramflowBoundaryMarker0,
  ramflowBoundaryMarker1,
  ramflowBoundaryMarker2,
  ramflowBoundaryMarker3,
  ramflowBoundaryMarker4,
  ramflowBoundaryMarker5,
  ramflowBoundaryMarker6,
  ramflowBoundaryMarker7,
];

/** How many distinct markers cycle. */
export const MARKER_SLOTS = MARKERS.length;

const SLOT_BY_NAME = new Map(MARKERS.map((marker, slot) => [marker.name, slot]));

/** Number of arrays a marker allocates at this sampling interval (8 intervals' worth, capped). */
export function markerArrays(samplingInterval: number): number {
  return Math.min(MAX_ARRAYS, Math.max(1, Math.ceil((8 * samplingInterval) / MARKER_ARRAY_BYTES)));
}

/** Probability that a marker of `arrays` arrays yields no sample at this interval. */
export function markerMissProbability(arrays: number, samplingInterval: number): number {
  return Math.exp(-(arrays * MARKER_ARRAY_BYTES) / samplingInterval);
}

/** Makes the marker allocation of `slot`; returns the arrays (keep them alive to keep their samples alive). */
export function emitMarker(slot: number, arrays: number): unknown[][] {
  return (MARKERS[slot % MARKER_SLOTS] as (count: number) => unknown[][])(arrays);
}

/** The marker slot of a profile frame's function name, or undefined when it is not a marker. */
export function markerSlotOf(functionName: string): number | undefined {
  return SLOT_BY_NAME.get(functionName);
}
