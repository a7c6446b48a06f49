import type { MemoryStoreOptions, RecordSummary, RequestRecord, Store } from '../types.js';
import { jsonSize } from './record-size.js';

/** Summary of a record for history listings. */
export function summarize(record: RequestRecord): RecordSummary {
  const summary: RecordSummary = {
    id: record.id,
    startedAt: record.startedAt,
    method: record.request.method,
    url: record.request.url,
    statusCode: record.response.statusCode,
    durationMs: record.durationMs,
    heapDeltaBytes: record.memory.heapDeltaBytes,
    heapDeltaKind: record.memory.heapDeltaKind,
    allocatedBytes: record.memory.allocatedBytes,
    exclusive: record.concurrency.exclusive,
    backend: record.backend.name,
    overlapping: record.concurrency.overlapping,
    hasAllocations: record.allocations !== undefined,
    hasHeap: record.heap !== undefined,
  };
  if (record.request.parentId !== undefined) summary.parentId = record.request.parentId;
  if (record.memory.allocatedUnavailable !== undefined)
    summary.allocatedUnavailable = record.memory.allocatedUnavailable;
  return summary;
}

/**
 * The default store: in-process, bounded by record count and by serialized bytes, oldest evicted first. A
 * record larger than the whole byte budget is not kept.
 */
export class MemoryStore implements Store {
  readonly #records = new Map<string, { record: RequestRecord; bytes: number }>();
  #bytes = 0;

  constructor(readonly limits: MemoryStoreOptions) {}

  get size(): number {
    return this.#records.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  add(record: RequestRecord): void {
    const bytes = jsonSize(record);
    const existing = this.#records.get(record.id);
    if (existing) {
      this.#records.delete(record.id);
      this.#bytes -= existing.bytes;
    }
    if (bytes > this.limits.maxBytes) return;
    this.#records.set(record.id, { record, bytes });
    this.#bytes += bytes;
    // Map iteration order is insertion order: the first key is the oldest record.
    while (this.#records.size > this.limits.maxRecords || this.#bytes > this.limits.maxBytes) {
      const oldest = this.#records.keys().next();
      if (oldest.done) break;
      const entry = this.#records.get(oldest.value);
      this.#records.delete(oldest.value);
      this.#bytes -= entry?.bytes ?? 0;
    }
  }

  get(id: string): RequestRecord | undefined {
    return this.#records.get(id)?.record;
  }

  list(limit = Number.POSITIVE_INFINITY): RecordSummary[] {
    const all = [...this.#records.values()];
    const out: RecordSummary[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      out.push(summarize((all[i] as { record: RequestRecord }).record));
    }
    return out;
  }

  clear(): void {
    this.#records.clear();
    this.#bytes = 0;
  }
}
