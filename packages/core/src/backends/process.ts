import type { MemoryBackend } from '../types.js';

/**
 * The `process` backend: the always-on process counters and nothing on top. Always available, including in
 * runtimes without `node:inspector`.
 */
export class ProcessBackend implements MemoryBackend {
  readonly name = 'process' as const;

  constructor(readonly reason: string) {}

  open(): undefined {
    return undefined;
  }

  close(): void {}
}
