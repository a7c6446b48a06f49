import type { IncomingHttpHeaders } from 'node:http';
import type { RamflowLogger } from '../types.js';
import type { ConformanceServer } from './conformance.js';
import { type RawResponse, rawRequest } from './http.js';

/** The two apps most tests share: one with ramflow (process backend), one without. Set in the suite's `before`. */
export interface SharedServers {
  withRamflow: ConformanceServer;
  without: ConformanceServer;
}

export const RAMFLOW_HEADERS = ['server-timing', 'x-ramflow-id', 'x-ramflow-link'];
/** What a browser sends when it navigates to a page. */
export const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
/** A logger for apps a test builds for itself, whose startup lines would only be noise. */
export const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };

export function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The headers a test compares between the two apps (everything but dates and ramflow's own). */
export function comparableHeaders(headers: IncomingHttpHeaders): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'date' || name === 'keep-alive' || name === 'connection' || RAMFLOW_HEADERS.includes(name))
      continue;
    out[name] = value;
  }
  return out;
}

export async function waitForRecord(baseUrl: string, id: string): Promise<RawResponse> {
  // The dashboard flushes pending records before answering, so one request suffices.
  return rawRequest(baseUrl, `/__ramflow/api/requests/${id}`);
}
