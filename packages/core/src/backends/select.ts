import { RamflowError } from '../errors.js';
import { SamplerUnavailableError } from '../sampling/sampling-profiler.js';
import type { MemoryBackend, ResolvedRamflowOptions } from '../types.js';
import { HeapSnapshotBackend, heapSnapshotsUnavailable } from './heap-snapshot.js';
import { ProcessBackend } from './process.js';
import { SamplingBackend } from './sampling.js';

/**
 * Resolves `memoryBackend` to a running backend and the reason for the choice. Asking by name for a backend
 * that cannot run here fails at construction with a fix-it message; `"auto"` falls back and says why.
 */
export function selectBackend(options: ResolvedRamflowOptions): MemoryBackend {
  switch (options.memoryBackend) {
    case 'process':
      return new ProcessBackend('requested: memoryBackend "process"');
    case 'sampling':
      try {
        return new SamplingBackend(
          options.samplingInterval,
          'requested: memoryBackend "sampling"',
          options.adaptiveSampling,
        );
      } catch (error) {
        if (!(error instanceof SamplerUnavailableError)) throw error;
        throw new RamflowError(
          'RAMFLOW_BACKEND_UNAVAILABLE',
          `memoryBackend "sampling" cannot run here: ${error.message}. Stop the other profiler (in DevTools, ` +
            'stop allocation sampling or close the Memory tab) before creating ramflow, or use memoryBackend: "auto", ' +
            'which falls back to the process counters and says why.',
        );
      }
    case 'auto':
      try {
        return new SamplingBackend(
          options.samplingInterval,
          "auto: V8's sampling heap profiler is available",
          options.adaptiveSampling,
        );
      } catch (error) {
        if (!(error instanceof SamplerUnavailableError)) throw error;
        return new ProcessBackend(
          `auto: sampling unavailable because ${error.message}; process counters only`,
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
