import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { heapBreakdown } from '../../src/insights/heap-breakdown.js';
import { Timeline } from '../../src/insights/timeline.js';

const sample = (i: number) => ({ at: i, rssBytes: i * 4, heapUsedBytes: i * 2, externalBytes: i });

describe('Timeline', () => {
  test('returns samples and marks oldest first before the rings fill', () => {
    const timeline = new Timeline({ maxSamples: 4, maxMarks: 3 });
    timeline.sample(sample(1));
    timeline.sample(sample(2));
    timeline.mark({ at: 1, kind: 'gc', label: 'mark-compact 3.2 ms' });
    timeline.mark({ at: 2, kind: 'request', label: 'GET /leak', id: 'abc', detail: '200' });
    assert.deepEqual(timeline.toJSON(), {
      samples: [sample(1), sample(2)],
      marks: [
        { at: 1, kind: 'gc', label: 'mark-compact 3.2 ms' },
        { at: 2, kind: 'request', label: 'GET /leak', id: 'abc', detail: '200' },
      ],
      dropped: { samples: 0, marks: 0 },
    });
  });

  test('keeps the newest in order after wrap-around', () => {
    const timeline = new Timeline({ maxSamples: 4, maxMarks: 3 });
    for (let i = 1; i <= 10; i++) {
      timeline.sample(sample(i));
      timeline.mark({ at: i, kind: 'gc', label: `gc ${i}` });
    }
    const json = timeline.toJSON();
    assert.deepEqual(json.samples, [sample(7), sample(8), sample(9), sample(10)]);
    assert.deepEqual(
      json.marks.map((m) => m.at),
      [8, 9, 10],
    );
    assert.deepEqual(json.dropped, { samples: 6, marks: 7 });
  });

  test('stays bounded after 10,000 samples and marks with the default sizes', () => {
    const timeline = new Timeline();
    for (let i = 0; i < 10_000; i++) {
      timeline.sample(sample(i));
      timeline.mark({ at: i, kind: 'request', label: `GET /${i}` });
    }
    const json = timeline.toJSON();
    assert.equal(json.samples.length, 720);
    assert.equal(json.marks.length, 1000);
    assert.equal(json.samples[0]?.at, 10_000 - 720);
    assert.equal(json.samples.at(-1)?.at, 9_999);
    assert.equal(json.marks[0]?.at, 9_000);
    assert.deepEqual(json.dropped, { samples: 10_000 - 720, marks: 9_000 });
    assert.doesNotThrow(() => JSON.stringify(timeline));
  });
});

describe('heapBreakdown', () => {
  test('lists the V8 heap spaces and the native totals', () => {
    const breakdown = heapBreakdown();
    assert.ok(breakdown.spaces.some((s) => s.name === 'old_space'));
    for (const space of breakdown.spaces) assert.ok(space.usedBytes <= space.sizeBytes, space.name);
    assert.ok(breakdown.heapUsedBytes > 0 && breakdown.heapUsedBytes <= breakdown.heapTotalBytes);
    assert.ok(breakdown.rssBytes > breakdown.heapUsedBytes);
    assert.ok(breakdown.arrayBuffersBytes <= breakdown.externalBytes);
  });
});
