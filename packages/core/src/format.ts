// formatBytes and formatSignedBytes are the browser's too: Templates.asset copies their source (toString) into
// flamegraph.js. So they use nothing outside themselves but each other: no imports, no module-level constants.

/**
 * Formats a byte count with decimal units as devtools do: `0 B`, `512 B`, `500 KB`, `2.3 MB`.
 * One decimal under 10 of a unit, none above.
 */
export function formatBytes(bytes: number): string {
  const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;
  const abs = Math.abs(bytes);
  if (!Number.isFinite(abs)) return 'n/a';
  if (Math.round(abs) < 1000) return `${Math.round(abs)} B`;
  let value = abs;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // 999.96 KB would print as "1000 KB": carry into the next unit instead.
  if (Number(value.toFixed(value < 10 ? 1 : 0)) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : value.toFixed(0);
  return `${text} ${UNITS[unit]}`;
}

/** Like formatBytes with an explicit sign for changes: `+2.3 MB`, `-500 KB`, `0 B`. */
export function formatSignedBytes(bytes: number): string {
  const text = formatBytes(bytes);
  if (text === '0 B' || text === 'n/a') return text;
  return `${bytes > 0 ? '+' : '-'}${text}`;
}

/** Milliseconds with a precision that suits the magnitude: `0.04 ms`, `3.2 ms`, `120 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  // Choose the precision after rounding, so 0.999 reads "1.0 ms" and 9.96 reads "10 ms".
  if (Math.abs(ms) < 0.995) return `${ms.toFixed(2)} ms`;
  if (Math.abs(ms) < 9.95) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}
