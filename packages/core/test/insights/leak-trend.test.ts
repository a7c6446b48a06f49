import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LeakTrend, OTHER_ROUTES } from '../../src/insights/leak-trend.js';
import { theilSen } from '../../src/insights/theil-sen.js';

const MB = 1_000_000;

/** mulberry32: a seeded generator so the noisy series are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Drives a LeakTrend through `requests` requests: `pick` chooses each request's route, a request of a route in
 * `leaks` retains `leakBytes`, and a point (with ±noise) is taken every 13-17 requests.
 */
function simulate(options: {
  seed: number;
  requests: number;
  noiseBytes: number;
  leakBytes: number;
  leaks: ReadonlySet<string>;
  pick: (rand: () => number, interval: number) => string;
}): LeakTrend {
  const rand = random(options.seed);
  const trend = new LeakTrend();
  const noise = () => (rand() * 2 - 1) * options.noiseBytes;
  let retained = 0;
  let interval = 0;
  let next = 15;
  trend.addPoint(50 * MB + noise(), 0);
  for (let i = 1; i <= options.requests; i++) {
    const route = options.pick(rand, interval);
    trend.noteRequest(route);
    if (options.leaks.has(route)) retained += options.leakBytes;
    if (i >= next) {
      trend.addPoint(50 * MB + retained + noise(), i * 10);
      interval++;
      next += 13 + Math.floor(rand() * 5);
    }
  }
  return trend;
}

describe('theilSen', () => {
  test('fits a line and ignores an outlier', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6];
    const ys = xs.map((x) => 3 * x + 10);
    ys[3] = 1000;
    assert.deepEqual(theilSen(xs, ys), { slope: 3, intercept: 10 });
  });
  test('ignores pairs with equal x and needs two distinct xs', () => {
    // Slopes 2 and 0 (the pair at x = 1 is skipped): median 1; offsets -1, 3, 1: median 1.
    assert.deepEqual(theilSen([1, 1, 3], [0, 4, 4]), { slope: 1, intercept: 1 });
    assert.equal(theilSen([2, 2, 2], [1, 2, 3]), undefined);
    assert.equal(theilSen([1], [1]), undefined);
  });
});

describe('LeakTrend', () => {
  test('a staircase of +1 MB per request with ±2 MB noise is high, the leaking route first', () => {
    const trend = simulate({
      seed: 1,
      requests: 200,
      noiseBytes: 2 * MB,
      leakBytes: MB,
      leaks: new Set(['GET /leak']),
      pick: (rand) => (rand() < 0.7 ? 'GET /leak' : 'GET /health'),
    });
    const result = trend.assess();
    assert.equal(result.probability, 'high', result.evidence);
    assert.ok(result.slopeBytesPerRequest !== null);
    assert.ok(result.slopeBytesPerRequest > 0.5 * MB && result.slopeBytesPerRequest < MB, result.evidence);
    assert.match(
      result.evidence,
      /per request over \d+ requests \(\d+ points after major GCs\); \d+ of \d+ steps grew/,
    );
    assert.equal(result.routes[0]?.route, 'GET /leak');
    assert.ok((result.routes[0]?.share ?? 0) > 0.6);
    const shares = result.routes.reduce((sum, r) => sum + r.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9);
  });

  test('of two interleaved routes, the one that grows the heap is named first', () => {
    for (let seed = 1; seed <= 20; seed++) {
      // Each interval's traffic is mostly one route or mostly the other, in random order.
      const mostlyA = new Map<number, boolean>();
      const trend = simulate({
        seed,
        requests: 300,
        noiseBytes: 2 * MB,
        leakBytes: MB,
        leaks: new Set(['GET /a']),
        pick: (rand, interval) => {
          if (!mostlyA.has(interval)) mostlyA.set(interval, rand() < 0.5);
          const shareA = mostlyA.get(interval) ? 0.8 : 0.2;
          return rand() < shareA ? 'GET /a' : 'GET /b';
        },
      });
      const result = trend.assess();
      assert.notEqual(result.probability, 'low', `seed ${seed}: ${result.evidence}`);
      assert.deepEqual(
        result.routes.map((r) => r.route),
        ['GET /a', 'GET /b'],
        `seed ${seed}`,
      );
    }
  });

  test('a flat series with ±3 MB noise over 200 requests is low', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const trend = simulate({
        seed,
        requests: 200,
        noiseBytes: 3 * MB,
        leakBytes: 0,
        leaks: new Set(),
        pick: () => 'GET /',
      });
      const result = trend.assess();
      assert.equal(result.probability, 'low', `seed ${seed}: ${result.evidence}`);
      assert.deepEqual(result.routes, []);
      assert.notEqual(result.slopeBytesPerRequest, null);
    }
  });

  test('too few points or too few requests is unknown, with the reason', () => {
    const trend = new LeakTrend();
    assert.equal(trend.assess().probability, 'unknown');
    for (let i = 0; i < 4; i++) {
      for (let r = 0; r < 10; r++) trend.noteRequest('GET /');
      trend.addPoint(50 * MB + i * 10 * MB);
    }
    let result = trend.assess();
    assert.equal(result.probability, 'unknown');
    assert.equal(result.slopeBytesPerRequest, null);
    assert.match(result.evidence, /Only 4 points/);
    assert.equal(result.points.length, 4);

    const quick = new LeakTrend();
    for (let i = 0; i < 10; i++) {
      quick.noteRequest('GET /');
      quick.addPoint(50 * MB + i * 10 * MB);
    }
    result = quick.assess();
    assert.equal(result.probability, 'unknown');
    assert.match(result.evidence, /Only 9 requests/);
  });

  test('stays bounded after 10,000 requests and 10,000 points', () => {
    const trend = new LeakTrend({ maxPoints: 64, maxRoutesPerInterval: 4 });
    for (let i = 0; i < 10_000; i++) {
      trend.noteRequest(`GET /route/${i % 50}`);
      trend.addPoint(50 * MB + i * 1000, i);
      // One interval with many distinct routes: the tally overflows into "(other routes)".
      if (i === 9_990) for (let r = 0; r < 100; r++) trend.noteRequest(`GET /burst/${r}`);
    }
    const size = trend.size;
    assert.equal(size.points, 64);
    assert.ok(size.routeTallies <= 64 * 5, `${size.routeTallies} tallies`);
    const result = trend.assess();
    assert.equal(result.points.length, 64);
    // Point i is taken after i + 1 requests; the burst of 100 comes after point 9,990.
    assert.equal(result.points[0]?.seq, 10_000 - 63);
    assert.equal(result.points.at(-1)?.seq, 10_100);
    assert.match(result.evidence, /\(64 points after major GCs\)/);
    assert.ok(result.routes.length <= 5);
  });

  test('routes beyond maxRoutesPerInterval in an interval go to the "(other routes)" bucket', () => {
    const trend = new LeakTrend({ maxRoutesPerInterval: 2 });
    for (let point = 0; point < 8; point++) {
      for (let r = 0; r < 10; r++) trend.noteRequest(`GET /r${r}`);
      trend.addPoint(50 * MB + point * 10 * MB);
    }
    const result = trend.assess();
    assert.equal(result.probability, 'high', result.evidence);
    assert.deepEqual(
      result.routes.map(({ route, requests, share }) => ({ route, requests, share })),
      [
        { route: OTHER_ROUTES, requests: 56, share: 0.8 },
        { route: 'GET /r0', requests: 7, share: 0.1 },
        { route: 'GET /r1', requests: 7, share: 0.1 },
      ],
    );
    assert.ok(trend.size.routeTallies <= 8 * 3);
  });

  test('reset forgets points and requests', () => {
    const trend = new LeakTrend();
    for (let i = 0; i < 10; i++) {
      trend.noteRequest('GET /');
      trend.addPoint(i);
    }
    trend.reset();
    trend.noteRequest('GET /');
    assert.deepEqual(trend.size, { points: 0, routeTallies: 1 });
    assert.deepEqual(trend.assess().points, []);
  });
});
