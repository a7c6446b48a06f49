export {
  type AdapterConformanceSuiteOptions,
  type ConformanceServer,
  type ConformanceServerOptions,
  defineAdapterConformanceSuite,
  parseServerTiming,
  rawRequest,
  serveOnLoopback,
  stripToolbar,
} from './conformance.js';
export { allocateKnownStrings, fixtures, largeBody, STREAM_CHUNK_DELAY_MS } from './fixtures.js';
