import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Requests whose before/after `.heapsnapshot` files are kept; older ones are deleted as new ones arrive. */
export const KEPT_SNAPSHOT_REQUESTS = 3;
/** A kept file is deleted this long after it was written. */
export const SNAPSHOT_FILE_TTL_MS = 10 * 60_000;

export type SnapshotSide = 'before' | 'after';

interface Entry {
  id: string;
  createdAt: number;
}

/**
 * The `.heapsnapshot` files kept for download (`allowHeapSnapshots: true`). They hold everything on the heap,
 * secrets included, so they live in a private temporary directory (0700, files 0600), are bounded by count and
 * age, and are deleted when ramflow closes or the process exits.
 */
export class SnapshotFiles {
  #dir: string | undefined;
  #entries: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #onExit = () => this.removeAll();

  /** Paths for a new request's two files; evicts the oldest kept request beyond the bound. */
  reserve(id: string): Record<SnapshotSide, string> {
    const dir = this.#directory();
    this.sweep();
    this.#entries.push({ id, createdAt: Date.now() });
    while (this.#entries.length > KEPT_SNAPSHOT_REQUESTS) this.#delete(this.#entries.shift() as Entry);
    this.#arm();
    return { before: join(dir, `${id}-before.heapsnapshot`), after: join(dir, `${id}-after.heapsnapshot`) };
  }

  /** The path of a kept, complete file, or undefined (never taken, expired, evicted or not written). */
  path(id: string, side: SnapshotSide): string | undefined {
    this.sweep();
    if (this.#dir === undefined || !this.#entries.some((entry) => entry.id === id)) return undefined;
    const path = join(this.#dir, `${id}-${side}.heapsnapshot`);
    try {
      return statSync(path).isFile() ? path : undefined;
    } catch {
      return undefined;
    }
  }

  /** Forget a request's files (its snapshot failed or was cancelled). */
  discard(id: string): void {
    const entry = this.#entries.find((candidate) => candidate.id === id);
    if (entry === undefined) return;
    this.#entries = this.#entries.filter((candidate) => candidate !== entry);
    this.#delete(entry);
  }

  /** Deletes expired files. */
  sweep(): void {
    const cutoff = Date.now() - SNAPSHOT_FILE_TTL_MS;
    while (this.#entries.length > 0 && (this.#entries[0] as Entry).createdAt <= cutoff)
      this.#delete(this.#entries.shift() as Entry);
    if (this.#entries.length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Deletes every file and the directory. */
  removeAll(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries = [];
    if (this.#dir !== undefined) {
      try {
        rmSync(this.#dir, { recursive: true, force: true });
      } catch {
        // Best effort: the OS cleans its temporary directory eventually.
      }
      this.#dir = undefined;
      process.removeListener('exit', this.#onExit);
    }
  }

  #directory(): string {
    if (this.#dir === undefined) {
      this.#dir = mkdtempSync(join(tmpdir(), 'ramflow-snapshots-'));
      process.once('exit', this.#onExit);
    }
    return this.#dir;
  }

  #delete(entry: Entry): void {
    if (this.#dir === undefined) return;
    for (const side of ['before', 'after'] as const)
      rmSync(join(this.#dir, `${entry.id}-${side}.heapsnapshot`), { force: true });
  }

  /** A timer that deletes the oldest file when it expires (unref'd: it never keeps the process alive). */
  #arm(): void {
    if (this.#timer !== undefined || this.#entries.length === 0) return;
    const oldest = this.#entries[0] as Entry;
    const delay = Math.max(0, oldest.createdAt + SNAPSHOT_FILE_TTL_MS - Date.now()) + 50;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.sweep();
      this.#arm();
    }, delay);
    this.#timer.unref();
  }
}
