/**
 * The `.heapsnapshot` files kept for download hold secrets: a private directory, a bound on how many are kept,
 * and nothing left behind on close. The memory guard refuses with a reason that names the limit it hit.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { KEPT_SNAPSHOT_REQUESTS, SnapshotFiles } from '../src/snapshot/snapshot-files.js';
import { memoryCeiling, snapshotRefusal } from '../src/snapshot/snapshot-guard.js';

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

describe('snapshot memory guard', () => {
  test('the configured limit wins when it is the lowest, and the refusal names it', () => {
    const ceiling = memoryCeiling(1024 * 1024);
    assert.deepEqual(ceiling, { bytes: 1024 * 1024, source: 'heapSnapshotMemoryLimit' });
    const refusal = snapshotRefusal(1024 * 1024);
    assert.match(
      refusal ?? '',
      /^not enough memory for a heap snapshot: with .* of used heap it needs about/,
    );
    assert.match(refusal ?? '', /heapSnapshotMemoryLimit/);
  });

  test('without a limit the ceiling is the container limit or the host memory', () => {
    const ceiling = memoryCeiling(undefined);
    assert.ok(ceiling.bytes > 0);
    assert.match(ceiling.source, /cgroup|host/);
  });

  test('a generous limit lets the snapshot go ahead (on a machine with memory to spare)', () => {
    const { rss, heapUsed } = process.memoryUsage();
    const ceiling = memoryCeiling(undefined);
    const generous = rss + heapUsed * 20;
    if (generous < ceiling.bytes) assert.equal(snapshotRefusal(generous), undefined);
    else assert.match(snapshotRefusal(generous) ?? '', /not enough/);
  });
});
