import type { HeapDeltaMode, MemoryBackendName, RamflowOptions } from '@ramflow/core';
import { allocateBallast } from './scenario.js';

/** The knobs every example server reads from the environment. */
export interface ExampleEnvironment {
  /** `PORT`, default 3000. */
  port: number;
  /** `HOST`, default 127.0.0.1. */
  host: string;
  /**
   * `RAMFLOW=off` runs without ramflow; `RAMFLOW=disabled` installs it with `enabled: false`; `RAMFLOW_BACKEND`
   * and `RAMFLOW_HEAP_DELTA` pick its backend and mode; `RAMFLOW_ADAPTIVE=off` keeps the sampling interval fixed
   * under load; `RAMFLOW_INLINING=on` leaves V8's inlining on (option `inlining`).
   */
  ramflow: RamflowOptions | false;
  /** `BALLAST_MB` megabytes of live heap, kept for the life of the process (for benchmarks). */
  ballast: unknown[];
}

export function readExampleEnvironment(env: NodeJS.ProcessEnv = process.env): ExampleEnvironment {
  const backend = env.RAMFLOW_BACKEND as MemoryBackendName | 'auto' | undefined;
  const heapDelta = env.RAMFLOW_HEAP_DELTA as HeapDeltaMode | undefined;
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    ramflow:
      env.RAMFLOW === 'off'
        ? false
        : {
            ...(backend ? { memoryBackend: backend } : {}),
            ...(heapDelta ? { heapDelta } : {}),
            ...(env.RAMFLOW_ADAPTIVE === 'off' ? { adaptiveSampling: false } : {}),
            ...(env.RAMFLOW_INLINING === 'on' ? { inlining: true } : {}),
            ...(env.RAMFLOW === 'disabled' ? { enabled: false } : {}),
          },
    ballast: allocateBallast(Number(env.BALLAST_MB ?? 0)),
  };
}

/** The line the demo and benchmark scripts wait for (it contains the URL). */
export function listeningLine(
  framework: string,
  { host, ramflow, ballast }: ExampleEnvironment,
  port: number,
): string {
  const extra = ballast.length > 0 ? `, ${ballast.length} MB ballast` : '';
  const state = ramflow === false ? 'off' : ramflow.enabled === false ? 'disabled' : 'on';
  return `ramflow ${framework} example on http://${host}:${port} (ramflow ${state}${extra})`;
}
