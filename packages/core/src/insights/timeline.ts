import type { MemoryTimeline, TimelineMark, TimelineSample } from '../types.js';

/**
 * Process memory over time with GC and request marks, for the dashboard's timeline chart (SPEC §5). Both series
 * are rings: the newest `maxSamples` samples and `maxMarks` marks are kept, older ones are counted as dropped.
 * Samples live in one Float64Array (four numbers each), so sampling allocates nothing; every call is O(1).
 */
export class Timeline {
  readonly #maxSamples: number;
  readonly #samples: Float64Array;
  #sampleHead = 0;
  #sampleCount = 0;
  #droppedSamples = 0;
  readonly #maxMarks: number;
  readonly #marks: Array<TimelineMark | undefined>;
  #markHead = 0;
  #markCount = 0;
  #droppedMarks = 0;

  constructor(options: { maxSamples?: number; maxMarks?: number } = {}) {
    this.#maxSamples = Math.max(1, Math.floor(options.maxSamples ?? 720));
    this.#maxMarks = Math.max(1, Math.floor(options.maxMarks ?? 1000));
    this.#samples = new Float64Array(this.#maxSamples * 4);
    this.#marks = new Array<TimelineMark | undefined>(this.#maxMarks);
  }

  sample(sample: TimelineSample): void {
    const offset = ((this.#sampleHead + this.#sampleCount) % this.#maxSamples) * 4;
    this.#samples[offset] = sample.at;
    this.#samples[offset + 1] = sample.rssBytes;
    this.#samples[offset + 2] = sample.heapUsedBytes;
    this.#samples[offset + 3] = sample.externalBytes;
    if (this.#sampleCount < this.#maxSamples) this.#sampleCount++;
    else {
      this.#sampleHead = (this.#sampleHead + 1) % this.#maxSamples;
      this.#droppedSamples++;
    }
  }

  mark(mark: TimelineMark): void {
    this.#marks[(this.#markHead + this.#markCount) % this.#maxMarks] = mark;
    if (this.#markCount < this.#maxMarks) this.#markCount++;
    else {
      this.#markHead = (this.#markHead + 1) % this.#maxMarks;
      this.#droppedMarks++;
    }
  }

  /** Oldest first, with how many samples and marks fell out of the rings. */
  toJSON(): MemoryTimeline {
    const samples: TimelineSample[] = [];
    for (let i = 0; i < this.#sampleCount; i++) {
      const offset = ((this.#sampleHead + i) % this.#maxSamples) * 4;
      samples.push({
        at: this.#samples[offset] as number,
        rssBytes: this.#samples[offset + 1] as number,
        heapUsedBytes: this.#samples[offset + 2] as number,
        externalBytes: this.#samples[offset + 3] as number,
      });
    }
    const marks: TimelineMark[] = [];
    for (let i = 0; i < this.#markCount; i++)
      marks.push(this.#marks[(this.#markHead + i) % this.#maxMarks] as TimelineMark);
    return { samples, marks, dropped: { samples: this.#droppedSamples, marks: this.#droppedMarks } };
  }
}
