import { formatBytes, formatSignedBytes } from '../format.js';
import { plural } from '../plural.js';
import type { HeapPoint, LeakAssessment } from '../types.js';
import { median, theilSen } from './theil-sen.js';

/** Bucket for routes beyond `maxRoutesPerInterval` distinct ones within one interval. */
export const OTHER_ROUTES = '(other routes)';

/*
 * Thresholds. A point is the used heap after a major GC; a step is two consecutive points with requests between
 * them. `growth` is the fitted growth over the window (slope × requests spanned), robust to single outliers;
 * `noise` is the spread of the points around the fitted line: the larger of the RMS residual and 1.4826 × the
 * median absolute residual (both estimate the standard deviation; with ~15 points either alone can come out low,
 * and pure ±3 MB noise over 200 requests was then called `high` in 1 of 500 simulated runs; with the larger one,
 * none of 500 and 0.6% `medium`).
 *  - unknown: fewer than MIN_POINTS points or fewer than MIN_REQUESTS requests between the first and last one.
 *  - high:   growth ≥ 1 MB, ≥ 5% of the first point and ≥ 4 × noise; at least 60% of the steps grew; slope
 *            ≥ 256 B per request. Sustained growth clearly above the noise: a staircase.
 *  - medium: growth ≥ 1 MB, ≥ 2.5% of the first point and ≥ 2.5 × noise; at least half the steps grew.
 *  - low:    anything else (flat, shrinking, or growth lost in the noise).
 */
const MIN_POINTS = 5;
const MIN_REQUESTS = 20;
const MIN_GROWTH_BYTES = 1_000_000;
const HIGH = { firstShare: 0.05, noiseTimes: 4, stepsUp: 0.6, slope: 256 };
const MEDIUM = { firstShare: 0.025, noiseTimes: 2.5, stepsUp: 0.5 };
const MAX_ROUTES = 5;

interface Slot extends HeapPoint {
  /** Requests per route that finished between the previous point and this one. */
  routes: Map<string, number>;
}

/**
 * Leak probability from the trend of the post-major-GC heap across requests (SPEC §5: "a staircase is a leak").
 * The caller notes every finished profiled request and adds a point after each major GC; everything is bounded:
 * a ring of `maxPoints` points, each with a route tally of at most `maxRoutesPerInterval` routes plus an
 * "(other routes)" bucket.
 */
export class LeakTrend {
  readonly #maxPoints: number;
  readonly #maxRoutesPerInterval: number;
  readonly #ring: Array<Slot | undefined>;
  #head = 0;
  #count = 0;
  #seq = 0;
  #pending = new Map<string, number>();

  constructor(options: { maxPoints?: number; maxRoutesPerInterval?: number } = {}) {
    this.#maxPoints = Math.max(MIN_POINTS, Math.floor(options.maxPoints ?? 256));
    this.#maxRoutesPerInterval = Math.max(1, Math.floor(options.maxRoutesPerInterval ?? 32));
    this.#ring = new Array<Slot | undefined>(this.#maxPoints);
  }

  /** Sizes of the internal structures, to check they stay bounded. */
  get size(): { points: number; routeTallies: number } {
    let routeTallies = this.#pending.size;
    for (const slot of this.#ring) routeTallies += slot?.routes.size ?? 0;
    return { points: this.#count, routeTallies };
  }

  /** A profiled request finished. `route` is what the caller groups by, e.g. "GET /leak". O(1). */
  noteRequest(route: string): void {
    this.#seq++;
    const tally = this.#pending;
    const key = tally.has(route) || tally.size < this.#maxRoutesPerInterval ? route : OTHER_ROUTES;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }

  /** The used heap right after a major GC. O(1). */
  addPoint(heapBytes: number, at: number = Date.now()): void {
    const slot: Slot = { seq: this.#seq, heapBytes, at, routes: this.#pending };
    this.#pending = new Map();
    this.#ring[(this.#head + this.#count) % this.#maxPoints] = slot;
    if (this.#count < this.#maxPoints) this.#count++;
    else this.#head = (this.#head + 1) % this.#maxPoints;
  }

  /** Forgets all points and requests (e.g. after a deliberate warm-up or a deploy). */
  reset(): void {
    this.#ring.fill(undefined);
    this.#head = 0;
    this.#count = 0;
    this.#seq = 0;
    this.#pending = new Map();
  }

  /** O(n²) in the number of points (Theil–Sen): call it when the dashboard asks, not per request. */
  assess(): LeakAssessment {
    const slots = this.#slots();
    const points = slots.map(({ seq, heapBytes, at }) => ({ seq, heapBytes, at }));
    const first = slots[0];
    const last = slots[slots.length - 1];
    const span = first && last ? last.seq - first.seq : 0;
    const unknown = (evidence: string): LeakAssessment => ({
      probability: 'unknown',
      slopeBytesPerRequest: null,
      evidence,
      points,
      routes: [],
    });
    if (!first || slots.length < MIN_POINTS) {
      return unknown(
        `Only ${plural(slots.length, 'point')} after full collections so far; at least ${MIN_POINTS} are needed.`,
      );
    }
    if (span < MIN_REQUESTS) {
      return unknown(
        `Only ${span} requests between the first and last of ${slots.length} points after major GCs; ` +
          `at least ${MIN_REQUESTS} are needed.`,
      );
    }
    const xs = points.map((p) => p.seq);
    const ys = points.map((p) => p.heapBytes);
    const fit = theilSen(xs, ys);
    if (!fit) return unknown('The points after major GCs have no spread in requests.');

    const residuals = Float64Array.from(points, (p) => p.heapBytes - fit.intercept - fit.slope * p.seq);
    const rms = Math.sqrt(residuals.reduce((sum, r) => sum + r * r, 0) / residuals.length);
    const noise = Math.max(rms, 1.4826 * median(residuals.map(Math.abs)));
    const growth = fit.slope * span;
    let steps = 0;
    let stepsUp = 0;
    for (let i = 1; i < slots.length; i++) {
      const prev = slots[i - 1] as Slot;
      const slot = slots[i] as Slot;
      if (slot.seq === prev.seq) continue;
      steps++;
      if (slot.heapBytes > prev.heapBytes) stepsUp++;
    }
    const upRatio = steps > 0 ? stepsUp / steps : 0;
    const above = (firstShare: number, noiseTimes: number) =>
      growth >= MIN_GROWTH_BYTES && growth >= firstShare * first.heapBytes && growth >= noiseTimes * noise;
    let probability: LeakAssessment['probability'] = 'low';
    if (above(HIGH.firstShare, HIGH.noiseTimes) && upRatio >= HIGH.stepsUp && fit.slope >= HIGH.slope) {
      probability = 'high';
    } else if (above(MEDIUM.firstShare, MEDIUM.noiseTimes) && upRatio >= MEDIUM.stepsUp) {
      probability = 'medium';
    }
    const evidence =
      `${formatSignedBytes(fit.slope)} per request over ${span} requests ` +
      `(${slots.length} points after major GCs); ${stepsUp} of ${steps} steps grew; ` +
      `fitted growth ${formatSignedBytes(growth)} against noise of ±${formatBytes(noise)}`;
    return {
      probability,
      slopeBytesPerRequest: fit.slope,
      evidence,
      points,
      routes: probability === 'low' ? [] : attributeGrowth(slots),
    };
  }

  #slots(): Slot[] {
    const out: Slot[] = [];
    for (let i = 0; i < this.#count; i++) out.push(this.#ring[(this.#head + i) % this.#maxPoints] as Slot);
    return out;
  }
}

/** Splits each growing step's growth among the routes that finished in it, in proportion to their requests. */
function attributeGrowth(slots: Slot[]): LeakAssessment['routes'] {
  const byRoute = new Map<string, { requests: number; growthBytes: number }>();
  let total = 0;
  for (let i = 1; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    const grew = slot.heapBytes - (slots[i - 1] as Slot).heapBytes;
    if (grew <= 0) continue;
    let requests = 0;
    for (const n of slot.routes.values()) requests += n;
    if (requests === 0) continue;
    total += grew;
    for (const [route, n] of slot.routes) {
      const entry = byRoute.get(route) ?? { requests: 0, growthBytes: 0 };
      entry.requests += n;
      entry.growthBytes += (grew * n) / requests;
      byRoute.set(route, entry);
    }
  }
  return [...byRoute]
    .map(([route, e]) => ({ route, ...e, share: total > 0 ? e.growthBytes / total : 0 }))
    .sort((a, b) => b.growthBytes - a.growthBytes)
    .slice(0, MAX_ROUTES);
}
