import { formatBytes } from '../../format.js';
import type { BackendWindow, MemoryBackend, MemoryFigures, RequestRecord } from '../../types.js';
import { type ProfiledWindow, type SamplingProfiler, sharedSamplingProfiler } from './sampling-profiler.js';

/**
 * The `sampling` backend: allocation stacks per request from V8's sampling heap profiler, cut out of one
 * long-running profile (see SamplingProfiler). Opening and ending a window cost one boundary marker each. The
 * profiler runs only while requests are profiled: constructing the backend starts nothing.
 */
export class SamplingBackend implements MemoryBackend {
  readonly name = 'sampling' as const;
  readonly reason: string;
  readonly #profiler: SamplingProfiler;
  #closed = false;

  constructor(samplingInterval: number, reason: string, adaptive = true, inlining = false) {
    this.#profiler = sharedSamplingProfiler(samplingInterval);
    this.#profiler.adapt(adaptive);
    if (!inlining) this.#profiler.keepFrames();
    const interval = this.#profiler.interval;
    this.reason =
      interval === samplingInterval
        ? `${reason}; one allocation sample per ~${formatBytes(interval)}`
        : `${reason}; sampling every ~${formatBytes(interval)}, the interval another ramflow instance in this process started the profiler with (asked for ${formatBytes(samplingInterval)})`;
  }

  get profiler(): SamplingProfiler {
    return this.#profiler;
  }

  open(_requestId: string, options?: { retained?: boolean }): BackendWindow | undefined {
    if (this.#closed) return undefined;
    const window = this.#profiler.open(options?.retained === true ? 'retained' : 'allocated');
    if (typeof window === 'string') return new SkippedWindow(this.#profiler, window);
    return new SamplingBackendWindow(this.#profiler, window);
  }

  noteUnprofiled(): void {
    this.#profiler.noteUnprofiled();
  }

  stats(): Record<string, unknown> {
    const profiler = this.#profiler;
    return {
      ...profiler.stats,
      samplingInterval: profiler.interval,
      currentInterval: profiler.currentInterval,
      underLoad: profiler.underLoad,
      running: profiler.awake,
    };
  }

  flush(): void {
    if (!this.#closed) this.#profiler.flush();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#profiler.release();
  }
}

class SamplingBackendWindow implements BackendWindow {
  constructor(
    readonly profiler: SamplingProfiler,
    readonly window: ProfiledWindow,
  ) {}

  end(): void {
    this.profiler.end(this.window);
  }

  async close(memory?: MemoryFigures): Promise<Partial<RequestRecord>> {
    this.profiler.end(this.window);
    if (memory?.allocatedBytes != null) this.profiler.noteAllocated(memory.allocatedBytes);
    await this.profiler.settled(this.window);
    const { result, unavailable } = this.window;
    if (result !== undefined) return { allocations: result };
    return { allocationsUnavailable: unavailable ?? 'the sampling profile of this request was lost' };
  }
}

/** A window the load governor chose not to profile: no markers, just the reason. */
class SkippedWindow implements BackendWindow {
  #ended = false;

  constructor(
    readonly profiler: SamplingProfiler,
    readonly reason: string,
  ) {}

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.profiler.endUnmarked();
  }

  close(): Partial<RequestRecord> {
    this.end();
    return { allocationsUnavailable: this.reason };
  }
}
