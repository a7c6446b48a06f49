/**
 * `@ramflow/core/internal`: the heap-snapshot engine's parts, for ramflow's own benchmarks (bench/snapshot-parse.mjs
 * measures them built, as users get them). Not public API: no semver promise, changed without notice.
 */
export type { HeapSnapshotGraph } from './backends/heap-snapshot/graph.js';
export { diffNewObjects, type HeapDiffOptions, maxJsObjectId } from './backends/heap-snapshot/heap-diff.js';
export { HeapSnapshotIdScanner, scanHeapSnapshotFile } from './backends/heap-snapshot/id-scanner.js';
export { HeapSnapshotParser, parseHeapSnapshotFile } from './backends/heap-snapshot/parser.js';
