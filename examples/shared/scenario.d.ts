/**
 * The demo scenario every ramflow example serves: functions with recognisable names that allocate known
 * amounts, so the toolbar and the dashboard have something true to show.
 */
/** Builds a report of ~5 MB of short-lived objects and returns a small summary of it. */
export declare function buildReport(rows?: number): {
  rows: number;
  total: number;
  top: Array<{
    id: number;
    label: string;
    score: number;
  }>;
};
/** Retains ~1 MB (131,072 doubles) per call, forever: a leak for ramflow to find. */
export declare function retainChunk(): number;
/** Keeps `megabytes` of live heap, so benchmarks can measure how costs scale with the heap size. */
export declare function allocateBallast(megabytes: number): unknown[];
