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
export { createRamflow } from './ramflow.js';
export { RamflowError, type RamflowErrorCode } from './errors.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory.js';
export { formatBytes, formatSignedBytes, formatMs } from './format.js';
export { formatServerTiming } from './server-timing.js';
export { isInjectable, injectBeforeBodyEnd } from './inject.js';
export { isLoopbackAddress } from './security.js';
export { resolveOptions, DEFAULT_BASE_PATH } from './options.js';
