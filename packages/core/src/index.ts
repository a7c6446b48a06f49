export { RamflowError } from './errors.js';
export { toHeapProfile } from './export/heapprofile.js';
export { toPprof } from './export/pprof.js';
export { toSpeedscope } from './export/speedscope.js';
export { formatBytes, formatMs, formatSignedBytes } from './format.js';
export { DEFAULT_BASE_PATH, resolveOptions } from './options.js';
export { bootstrapReport } from './preload/bootstrap.js';
export { formatLocation, hideFrames, topFunctions } from './profile/views.js';
export { createRamflow } from './ramflow.js';
export { injectIntoStream, isReadableStream, MAX_COLLECTED_BYTES } from './response/collect.js';
export { injectBeforeBodyEnd, isInjectable } from './response/inject.js';
export { interceptNodeBody } from './response/node-body.js';
export {
  mergedResponseHeaders,
  type ReadableHeaders,
  readResponseInfo,
  responseAborted,
  writeResponseHeaders,
} from './response/node-response.js';
export { formatServerTiming } from './response/server-timing.js';
export { isLoopbackAddress } from './security.js';
export { MemoryStore } from './store/memory.js';
export type {
  AllocationProfile,
  BackendWindow,
  BootstrapOverhead,
  BootstrapReport,
  CgroupMemory,
  Concurrency,
  Footprint,
  FrameKind,
  FunctionRanking,
  FunctionRow,
  GcActivity,
  HeaderFigures,
  HeapBreakdown,
  HeapDeltaMode,
  HeapObjectGroup,
  HeapObjectsDiff,
  HeapPoint,
  IntegrityAudit,
  IsolationOutcome,
  LeakAssessment,
  LimitSource,
  MemoryBackend,
  MemoryBackendName,
  MemoryFigures,
  MemoryStoreOptions,
  MemoryTimeline,
  PackageCost,
  PackageCostFigures,
  ProcessReport,
  ProfileFrame,
  ProfileTreeNode,
  Ramflow,
  RamflowErrorCode,
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
  SafetyMargin,
  ServerTimingMetric,
  SeverityThresholds,
  Store,
  TimelineMark,
  TimelineSample,
  TopFunctionsOptions,
} from './types.js';
