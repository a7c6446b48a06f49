import { formatBytes, formatSignedBytes } from '../format.js';
import { plural } from '../plural.js';
import type { HeaderFigures, ServerTimingMetric } from '../types.js';

/**
 * A `quoted-string` per RFC 9110: backslash-escapes `"` and `\`, and drops what a header value cannot carry
 * (control characters and non-ASCII), so an attacker-controlled string can never break the header.
 */
const PLAIN = /^[\t\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function quoteServerTimingValue(text: string): string {
  // Fast path: nothing to escape or drop (the usual case: ramflow's own figures).
  if (PLAIN.test(text)) return `"${text}"`;
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
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  // Rounded to µs; String() of a number this size never uses an exponent.
  return String(ms < 10 ? Math.round(ms * 1000) / 1000 : Math.round(ms * 10) / 10);
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
  // Descriptions below are built from ramflow's own formatted numbers and fixed words: already valid qdtext.
  let value = `ramflow;dur=${duration(figures.overheadMs)};desc=${quoteServerTimingValue(`ramflow overhead (${backendName}, ${share})`)}`;
  for (const metric of metrics) {
    if (metric === 'heap') {
      const label = figures.heapDeltaKind === 'exact' ? '' : ' raw, incl. garbage';
      value += `, heap;desc="${formatSignedBytes(figures.heapDeltaBytes)}${label}"`;
    } else if (metric === 'alloc') {
      // Taken when the headers are written: the body is not sent yet, and the record's figure covers that too.
      const bound = figures.allocatedIsLowerBound ? 'at least ' : '';
      value += `, alloc;desc="${bound}${formatBytes(figures.allocatedBytes)} allocated by the headers"`;
    } else if (metric === 'gc') {
      const count = figures.gc.count;
      value += `, gc;dur=${duration(figures.gc.pauseMs)};desc="${plural(count, 'GC')}"`;
    }
  }
  return value;
}
