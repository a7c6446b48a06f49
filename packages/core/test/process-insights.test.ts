/**
 * ProcessInsights stays bounded however many requests it sees, and its report carries the documented figures.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sharedGcLedger } from '../src/backends/gc-ledger.js';
import { ProcessInsights } from '../src/process/process-insights.js';
import type { RequestRecord } from '../src/types.js';

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
});
