/**
 * The demo scenario every ramflow example serves: functions with recognisable names that allocate known
 * amounts, so the toolbar and the dashboard have something true to show.
 */

/** Builds a report of ~5 MB of short-lived objects and returns a small summary of it. */
export function buildReport(rows = 9_000): {
  rows: number;
  total: number;
  top: Array<{ id: number; label: string; score: number }>;
} {
  const items: Array<{ id: number; label: string; score: number; tags: string[] }> = [];
  for (let i = 0; i < rows; i++) {
    items.push({
      id: i,
      label: `item-${i}-${'x'.repeat(100)}`,
      score: (i * 7919) % 1000,
      tags: [`t${i % 10}`, `g${i % 7}`],
    });
  }
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const total = items.reduce((sum, item) => sum + item.score, 0);
  return {
    rows: items.length,
    total,
    top: sorted.slice(0, 5).map(({ id, label, score }) => ({ id, label: label.slice(0, 12), score })),
  };
}

/** Module-level on purpose: what /leak retains stays alive for the life of the process. */
const retained: Array<Float64Array | number[]> = [];

/** Retains ~1 MB (131,072 doubles) per call, forever: a leak for ramflow to find. */
export function retainChunk(): number {
  const chunk = new Array<number>(131_072);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i + 0.5;
  retained.push(chunk);
  return retained.length;
}

/** Keeps `megabytes` of live heap, so benchmarks can measure how costs scale with the heap size. */
export function allocateBallast(megabytes: number): unknown[] {
  const ballast: unknown[] = [];
  for (let mb = 0; mb < megabytes; mb++) {
    const block: string[] = [];
    for (let i = 0; i < 1024; i++) block.push(`ballast-${mb}-${i}-${'b'.repeat(1000)}`);
    ballast.push(block);
  }
  return ballast;
}
