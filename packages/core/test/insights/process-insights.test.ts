/**
 * ProcessInsights stays bounded however many requests it sees, and its report carries the documented figures.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProcessInsights } from '../../src/insights/process-insights.js';
import { sharedGcLedger } from '../../src/measure/gc-ledger.js';
import type { RequestRecord } from '../../src/types.js';

describe('ProcessInsights', () => {
  test('every buffer stays bounded after 10,000 requests', async () => {
    const ledger = sharedGcLedger();
    ledger.acquire();
    const insights = new ProcessInsights(() => ledger);
    try {
      for (let i = 0; i < 10_000; i++) {
        insights.requestEnded(`id-${i}`, `GET /route-${i % 300}`);
        insights.recordStored({
          startedAt: new Date().toISOString(),
          durationMs: 1,
          memory: { allocatedBytes: 1000 + i },
        } as unknown as RequestRecord);
        if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setImmediate(resolve));
      const report = insights.report();
      assert.ok(report.timeline.marks.length <= 1000, `${report.timeline.marks.length} marks`);
      assert.ok(report.timeline.dropped.marks >= 9000);
      assert.ok(report.timeline.samples.length <= 720);
      assert.ok(report.leak.points.length <= 256);
      assert.equal(report.allocationRate.requests, 256);
      assert.ok(report.leak.routes.length <= 5);
      assert.ok(JSON.stringify(report).length < 512 * 1024, 'the report stays small');
    } finally {
      insights.close();
      ledger.release();
    }
  });

  test('an audit forces a collection and judges the residual against the baseline', () => {
    const ledger = sharedGcLedger();
    ledger.acquire();
    const insights = new ProcessInsights(() => ledger);
    try {
      const audit = insights.audit();
      assert.ok(audit.verdict === 'SECURE' || audit.verdict === 'BLOATED');
      assert.equal(audit.residualBytes, audit.heapUsedBytes - audit.baselineHeapBytes);
      assert.equal(audit.verdict === 'SECURE', audit.residualBytes <= audit.toleranceBytes);
      assert.ok(audit.toleranceBytes >= 8 * 1024 * 1024);
      assert.deepEqual(insights.report().audit, audit);
    } finally {
      insights.close();
      ledger.release();
    }
  });

  test("ramflow's own snapshots stay out of the peak, the suggested limit and the expansion factor", () => {
    const ledger = sharedGcLedger();
    ledger.acquire();
    const insights = new ProcessInsights(() => ledger);
    try {
      const before = insights.report();
      assert.equal(before.memory.ownPeaks, null);
      insights.ownSpikeStarted();
      // What a heap snapshot does to RSS: ~80 MB more, touched (and kept) by this process.
      const spike = Buffer.alloc(80 * 1024 * 1024, 1);
      const after = insights.report();
      assert.ok(spike.length > 0);
      const own = after.memory.ownPeaks;
      assert.ok(own, 'the report says ramflow took snapshots');
      assert.equal(own.snapshots, 1);
      assert.ok(own.processPeakRssBytes >= own.peakBeforeRssBytes + 70 * 1024 * 1024, JSON.stringify(own));
      assert.equal(after.memory.peakRssBytes, own.peakBeforeRssBytes);
      assert.ok(after.memory.peakRssBytes < own.processPeakRssBytes);
      assert.ok(after.memory.suggestedLimitBytes < own.processPeakRssBytes * 1.2);
      assert.match(own.note, /leave ramflow's snapshots out/);
    } finally {
      insights.close();
      ledger.release();
    }
  });
});
