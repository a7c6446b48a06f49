import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expansionFactor, safetyMargin, suggestedContainerLimit } from '../../src/insights/memory-limits.js';
import type { CgroupMemory } from '../../src/types.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const cgroup = (version: 1 | 2, limitBytes: number | null): CgroupMemory => ({
  version,
  limitBytes,
  usageBytes: null,
  peakBytes: null,
  path: '/',
});

describe('safetyMargin', () => {
  test('a cgroup limit below host memory wins', () => {
    assert.deepEqual(
      safetyMargin({
        rssBytes: 256 * MiB,
        cgroup: cgroup(2, 1 * GiB),
        constrainedMemory: 0,
        hostTotalBytes: 16 * GiB,
      }),
      {
        limitBytes: GiB,
        limitSource: 'cgroup v2',
        rssBytes: 256 * MiB,
        freeBytes: 768 * MiB,
        freeRatio: 0.75,
      },
    );
  });

  test('the cgroup is named on a tie with process.constrainedMemory', () => {
    const margin = safetyMargin({
      rssBytes: 0,
      cgroup: cgroup(1, GiB),
      constrainedMemory: GiB,
      hostTotalBytes: 16 * GiB,
    });
    assert.equal(margin.limitSource, 'cgroup v1');
  });

  test('process.constrainedMemory when the cgroup is unlimited or unreadable; 0 and 2^64 mean none', () => {
    const base = { rssBytes: 100 * MiB, hostTotalBytes: 16 * GiB };
    assert.equal(
      safetyMargin({ ...base, cgroup: cgroup(2, null), constrainedMemory: 2 * GiB }).limitSource,
      'process.constrainedMemory',
    );
    assert.equal(
      safetyMargin({ ...base, cgroup: undefined, constrainedMemory: 2 * GiB }).limitBytes,
      2 * GiB,
    );
    for (const none of [0, 2 ** 64, undefined]) {
      const margin = safetyMargin({ ...base, cgroup: undefined, constrainedMemory: none });
      assert.equal(margin.limitSource, 'host memory');
      assert.equal(margin.limitBytes, 16 * GiB);
    }
  });

  test('a cgroup limit above host memory loses to the host', () => {
    const margin = safetyMargin({
      rssBytes: 0,
      cgroup: cgroup(2, 64 * GiB),
      constrainedMemory: 0,
      hostTotalBytes: 8 * GiB,
    });
    assert.equal(margin.limitSource, 'host memory');
    assert.equal(margin.limitBytes, 8 * GiB);
  });

  test('warns under 10% free, not at 10%; free never goes negative', () => {
    const at = (rssBytes: number) =>
      safetyMargin({
        rssBytes,
        cgroup: cgroup(2, 1000 * MiB),
        constrainedMemory: undefined,
        hostTotalBytes: 16 * GiB,
      });
    assert.equal(at(900 * MiB).warning, undefined);
    const close = at(950 * MiB);
    assert.equal(close.freeBytes, 50 * MiB);
    assert.equal(close.freeRatio, 0.05);
    assert.match(close.warning ?? '', /only 52 MB \(5\.0%\) under the cgroup v2 limit of 1 GB/);
    const over = at(1100 * MiB);
    assert.equal(over.freeBytes, 0);
    assert.equal(over.freeRatio, 0);
    assert.ok(over.warning);
  });
});

describe('suggestedContainerLimit', () => {
  test('peak + 20%, rounded up to a whole MiB', () => {
    assert.equal(suggestedContainerLimit(100 * MiB), 120 * MiB);
    assert.equal(suggestedContainerLimit(100 * MiB + 1), 121 * MiB);
    assert.equal(suggestedContainerLimit(0), 0);
  });
});

describe('expansionFactor', () => {
  test('peak over the app-ready baseline', () => {
    assert.equal(expansionFactor(300 * MiB, 100 * MiB), 3);
  });
  test('undefined without a usable baseline', () => {
    assert.equal(expansionFactor(300 * MiB, undefined), undefined);
    assert.equal(expansionFactor(300 * MiB, 0), undefined);
  });
});
