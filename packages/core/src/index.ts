export { RamflowError, type RamflowErrorCode } from './errors.js';
export { formatBytes, formatMs, formatSignedBytes } from './format.js';
export { injectBeforeBodyEnd, isInjectable } from './inject.js';
export { readResponseInfo, writeResponseHeaders } from './node-response.js';
export { DEFAULT_BASE_PATH, resolveOptions } from './options.js';
export { createRamflow } from './ramflow.js';
export { isLoopbackAddress } from './security.js';
export { formatServerTiming } from './server-timing.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory.js';
export type {
  BackendWindow,
  Concurrency,
  GcActivity,
  HeaderFigures,
  HeapDeltaMode,
  MemoryBackend,
  MemoryBackendName,
  MemoryFigures,
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
  ServerTimingMetric,
  SeverityThresholds,
  Store,
} from './types.js';
