import { RamflowError } from '../errors.js';
import type { MemoryBackend, ResolvedRamflowOptions } from '../types.js';
import { ProcessBackend } from './process.js';

/**
 * Resolves `memoryBackend` to a running backend and the reason for the choice. Asking by name for a backend
 * that cannot run here fails at construction with a fix-it message; `"auto"` falls back and says why.
 */
export function selectBackend(options: ResolvedRamflowOptions): MemoryBackend {
  switch (options.memoryBackend) {
    case 'process':
      return new ProcessBackend('requested: memoryBackend "process"');
    case 'auto':
      return new ProcessBackend(
        'auto: process counters only; the sampling and heap-snapshot backends are not part of this build yet',
      );
    default:
      throw new RamflowError(
        'RAMFLOW_BACKEND_UNAVAILABLE',
        `memoryBackend "${options.memoryBackend}" is not available in this version of @ramflow/core. ` +
          'Use memoryBackend: "auto" or "process".',
      );
  }
}
