import { RamflowError } from '../errors.js';
import type { MemoryBackend, ResolvedRamflowOptions } from '../types.js';
import { HeapSnapshotBackend, heapSnapshotsUnavailable } from './heap-snapshot/backend.js';
import { ProcessBackend } from './process.js';
import { SamplingBackend } from './sampling/backend.js';
import { SamplingProfiler } from './sampling/sampling-profiler.js';

/**
 * Resolves `memoryBackend` to a backend and the reason for the choice. Nothing is started here (backends start
 * their machinery when a request is profiled). Asking by name for a backend that cannot run here fails at
 * construction with a fix-it message; `"auto"` falls back and says why. A disabled ramflow (`probe: false`) asks
 * V8 nothing: the choice is then made from what the runtime offers, and never used.
 */
export function selectBackend(options: ResolvedRamflowOptions, probe = true): MemoryBackend {
  const samplerUnavailable = () => (probe ? SamplingProfiler.unavailable() : undefined);
  switch (options.memoryBackend) {
    case 'process':
      return new ProcessBackend('requested: memoryBackend "process"');
    case 'sampling': {
      const unavailable = samplerUnavailable();
      if (unavailable !== undefined) {
        throw new RamflowError(
          'RAMFLOW_BACKEND_UNAVAILABLE',
          `memoryBackend "sampling" cannot run here: ${unavailable}. Stop the other profiler (in DevTools, ` +
            'stop allocation sampling or close the Memory tab) before creating ramflow, or use memoryBackend: "auto", ' +
            'which falls back to the process counters and says why.',
        );
      }
      return new SamplingBackend(
        options.samplingInterval,
        'requested: memoryBackend "sampling"',
        options.adaptiveSampling,
        options.inlining,
      );
    }
    case 'auto': {
      const unavailable = samplerUnavailable();
      if (unavailable !== undefined)
        return new ProcessBackend(`auto: sampling unavailable because ${unavailable}; process counters only`);
      return new SamplingBackend(
        options.samplingInterval,
        "auto: V8's sampling heap profiler is available",
        options.adaptiveSampling,
        options.inlining,
      );
    }
    case 'heap-snapshot': {
      const unavailable = heapSnapshotsUnavailable();
      if (unavailable !== undefined) {
        throw new RamflowError(
          'RAMFLOW_BACKEND_UNAVAILABLE',
          `memoryBackend "heap-snapshot" cannot run here: ${unavailable}. Use memoryBackend: "auto" or "process".`,
        );
      }
      return new HeapSnapshotBackend(
        'requested: memoryBackend "heap-snapshot": snapshots before and after every request, one request at a time (each pauses the process ~150 ms per MB of heap)',
      );
    }
  }
}
