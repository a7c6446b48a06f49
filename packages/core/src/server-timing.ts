import { formatBytes, formatSignedBytes } from './format.js';
import type { HeaderFigures, ServerTimingMetric } from './types.js';

/**
 * A `quoted-string` per RFC 9110: backslash-escapes `"` and `\`, and drops what a header value cannot carry
 * (control characters and non-ASCII), so an attacker-controlled string can never break the header.
 */
export function quoteServerTimingValue(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code === 0x09 || (code >= 0x20 && code <= 0x7e)) {
      out += char === '"' || char === '\\' ? `\\${char}` : char;
    }
  }
  return `"${out}"`;
}

/** A `dur` value: a plain decimal number (no exponent), as the grammar's token allows. */
function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0';
  return ms < 10 ? ms.toFixed(3).replace(/\.?0+$/, '') || '0' : ms.toFixed(1);
}

/**
 * The `Server-Timing` header value: ramflow's own overhead as `dur`, memory in `desc` (devtools show the
 * description next to the metric name in Network > Timing).
 */
export function formatServerTiming(
  figures: HeaderFigures,
  metrics: readonly ServerTimingMetric[],
  backendName: string,
): string {
  const share = figures.concurrency.exclusive
    ? 'exclusive'
    : `shared with ${figures.concurrency.overlapping} overlapping`;
  const parts = [`ramflow;dur=${duration(figures.overheadMs)};desc=${quoteServerTimingValue(`ramflow overhead (${backendName}, ${share})`)}`];
  for (const metric of metrics) {
    if (metric === 'heap') {
      const label = figures.heapDeltaKind === 'exact' ? '' : ' raw, incl. garbage';
      parts.push(`heap;desc=${quoteServerTimingValue(`${formatSignedBytes(figures.heapDeltaBytes)}${label}`)}`);
    } else if (metric === 'alloc') {
      if (figures.allocatedBytes !== null) {
        parts.push(`alloc;desc=${quoteServerTimingValue(`${formatBytes(figures.allocatedBytes)} allocated`)}`);
      }
    } else if (metric === 'gc') {
      const count = figures.gc.count;
      parts.push(`gc;dur=${duration(figures.gc.pauseMs)};desc=${quoteServerTimingValue(`${count} GC${count === 1 ? '' : 's'}`)}`);
    }
  }
  return parts.join(', ');
}
