import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCgroupMemory } from '../../src/insights/cgroup.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/cgroup/${name}/`, import.meta.url));

describe('readCgroupMemory', () => {
  test('cgroup v2 with a limit, usage and peak under the process path', () => {
    assert.deepEqual(readCgroupMemory(fixture('v2')), {
      version: 2,
      limitBytes: 536_870_912,
      usageBytes: 123_456_789,
      peakBytes: 234_567_890,
      path: '/system.slice/app.service',
    });
  });

  test('cgroup v2 "max" is unlimited and a missing memory.peak is null', () => {
    assert.deepEqual(readCgroupMemory(fixture('v2-unlimited')), {
      version: 2,
      limitBytes: null,
      usageBytes: 50_000_000,
      peakBytes: null,
      path: '/user.slice/user-1000.slice',
    });
  });

  test('cgroup v2 falls back to the mount root when the path directory does not exist (container)', () => {
    assert.deepEqual(readCgroupMemory(fixture('v2-container')), {
      version: 2,
      limitBytes: 268_435_456,
      usageBytes: 100_000_000,
      peakBytes: 150_000_000,
      path: '/kubepods.slice/pod123/cri-containerd-abc.scope',
    });
  });

  test('cgroup v1 (hybrid host): the memory controller line wins over the 0:: line', () => {
    assert.deepEqual(readCgroupMemory(fixture('v1')), {
      version: 1,
      limitBytes: 1_073_741_824,
      usageBytes: 400_000_000,
      peakBytes: 500_000_000,
      path: '/docker/abc',
    });
  });

  test('cgroup v1 with the huge "no limit" value is unlimited', () => {
    assert.deepEqual(readCgroupMemory(fixture('v1-unlimited')), {
      version: 1,
      limitBytes: null,
      usageBytes: 70_000_000,
      peakBytes: null,
      path: '/',
    });
  });

  test('undefined, without throwing, when no memory file or no /proc is readable', () => {
    assert.equal(readCgroupMemory(fixture('none')), undefined);
    assert.equal(readCgroupMemory(fixture('does-not-exist')), undefined);
  });

  test('never throws on the real machine', () => {
    assert.doesNotThrow(() => readCgroupMemory());
  });
});
