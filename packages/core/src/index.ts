export { RamflowError, type RamflowErrorCode } from './errors.js';
export { formatBytes, formatMs, formatSignedBytes } from './format.js';
export { injectBeforeBodyEnd, isInjectable } from './inject.js';
export { interceptNodeBody } from './node-body.js';
export { readResponseInfo, responseAborted, writeResponseHeaders } from './node-response.js';
export { DEFAULT_BASE_PATH, resolveOptions } from './options.js';
export {
  type BootstrapReport,
  bootstrapReport,
  type Footprint,
  type PackageCost,
} from './process/bootstrap.js';
export type { IntegrityAudit, ProcessReport } from './process/process-insights.js';
export { toHeapProfile } from './profile/export-heapprofile.js';
export { toPprof } from './profile/export-pprof.js';
export { toSpeedscope } from './profile/export-speedscope.js';
export {
  type FunctionRanking,
  type FunctionRow,
  formatLocation,
  hideFrames,
  type TopFunctionsOptions,
  topFunctions,
} from './profile/views.js';
export { createRamflow } from './ramflow.js';
export { isLoopbackAddress } from './security.js';
export { formatServerTiming } from './server-timing.js';
export type { HeapSnapshotGraph } from './snapshot/graph.js';
export { diffNewObjects, type HeapDiffOptions, maxJsObjectId } from './snapshot/heap-diff.js';
export { HeapSnapshotIdScanner, scanHeapSnapshotFile } from './snapshot/id-scanner.js';
export { HeapSnapshotParser, parseHeapSnapshotFile } from './snapshot/parser.js';
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
