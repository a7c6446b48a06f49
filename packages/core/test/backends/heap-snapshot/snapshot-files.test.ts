/**
 * The `.heapsnapshot` files kept for download hold secrets: a private directory, a bound on how many are kept,
 * and nothing left behind on close. (The guard that decides whether a snapshot may be taken: snapshot-guard.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { KEPT_SNAPSHOT_REQUESTS, SnapshotFiles } from '../../../src/backends/heap-snapshot/snapshot-files.js';

describe('SnapshotFiles', () => {
  test('keeps the files of the last few requests in a private directory and deletes the rest', () => {
    const files = new SnapshotFiles();
    try {
      const written: Array<{ id: string; before: string; after: string }> = [];
      for (let i = 0; i < KEPT_SNAPSHOT_REQUESTS + 2; i++) {
        const id = `0000000${i}-1`;
        const paths = files.reserve(id);
        writeFileSync(paths.before, '{}', { mode: 0o600 });
        writeFileSync(paths.after, '{}', { mode: 0o600 });
        written.push({ id, ...paths });
      }
      const first = written[0];
      assert.ok(first);
      assert.equal(statSync(dirname(first.before)).mode & 0o777, 0o700, 'the directory is private');
      const kept = written.slice(-KEPT_SNAPSHOT_REQUESTS);
      for (const entry of written.slice(0, 2)) {
        assert.equal(existsSync(entry.before), false, `${entry.id} evicted`);
        assert.equal(files.path(entry.id, 'before'), undefined);
      }
      for (const entry of kept) {
        assert.equal(files.path(entry.id, 'before'), entry.before);
        assert.equal(files.path(entry.id, 'after'), entry.after);
      }
      const last = kept.at(-1);
      assert.ok(last);
      files.discard(last.id);
      assert.equal(existsSync(last.after), false);
      assert.equal(files.path(last.id, 'after'), undefined);
      files.removeAll();
      assert.equal(existsSync(dirname(first.before)), false, 'the directory is gone');
    } finally {
      files.removeAll();
    }
  });

  test('an id never reserved has no file', () => {
    const files = new SnapshotFiles();
    assert.equal(files.path('00000000-1', 'before'), undefined);
  });
});
