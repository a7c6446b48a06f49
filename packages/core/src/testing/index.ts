export {
  type AdapterConformanceSuiteOptions,
  type ConformanceRoute,
  type ConformanceServer,
  type ConformanceServerOptions,
  defineAdapterConformanceSuite,
} from './conformance.js';
export {
  defineStaticConformanceSuite,
  STATIC_SITE,
  type StaticConformanceOptions,
  type StaticServerOptions,
} from './conformance-static.js';
export { allocateKnownStrings, fileStream, fixtures, largeBody, STREAM_CHUNK_DELAY_MS } from './fixtures.js';
export { parseServerTiming, rawRequest, serveOnLoopback, stripToolbar } from './http.js';
