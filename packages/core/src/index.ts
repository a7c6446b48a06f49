export type { HeapSnapshotGraph } from './backends/heap-snapshot/graph.js';
export { diffNewObjects, type HeapDiffOptions, maxJsObjectId } from './backends/heap-snapshot/heap-diff.js';
export { HeapSnapshotIdScanner, scanHeapSnapshotFile } from './backends/heap-snapshot/id-scanner.js';
export { HeapSnapshotParser, parseHeapSnapshotFile } from './backends/heap-snapshot/parser.js';
export { RamflowError, type RamflowErrorCode } from './errors.js';
export { toHeapProfile } from './export/heapprofile.js';
export { toPprof } from './export/pprof.js';
export { toSpeedscope } from './export/speedscope.js';
export { formatBytes, formatMs, formatSignedBytes } from './format.js';
export type { IntegrityAudit, ProcessReport } from './insights/process-insights.js';
export { DEFAULT_BASE_PATH, resolveOptions } from './options.js';
export {
  type BootstrapReport,
  bootstrapReport,
  type Footprint,
  type PackageCost,
} from './preload/bootstrap.js';
export {
  type FunctionRanking,
  type FunctionRow,
  formatLocation,
  hideFrames,
  type TopFunctionsOptions,
  topFunctions,
} from './profile/views.js';
export { createRamflow } from './ramflow.js';
export { injectBeforeBodyEnd, isInjectable } from './response/inject.js';
export { interceptNodeBody } from './response/node-body.js';
export { readResponseInfo, responseAborted, writeResponseHeaders } from './response/node-response.js';
export { formatServerTiming } from './response/server-timing.js';
export { isLoopbackAddress } from './security.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory.js';
export type {
  AllocationProfile,
  BackendWindow,
  Concurrency,
  FrameKind,
  GcActivity,
  HeaderFigures,
  HeapDeltaMode,
  HeapObjectGroup,
  HeapObjectsDiff,
  IsolationOutcome,
  MemoryBackend,
  MemoryBackendName,
  MemoryFigures,
  ProfileFrame,
  ProfileTreeNode,
  Ramflow,
  RamflowFailure,
  RamflowLogger,
  RamflowOptions,
  RecordSummary,
  RequestInfo,
  RequestRecord,
  RequestSession,
  ResolvedRamflowOptions,
  ResponseInfo,
  RetainerPath,
  RetainerStep,
  ServerTimingMetric,
  SeverityThresholds,
  Store,
} from './types.js';
