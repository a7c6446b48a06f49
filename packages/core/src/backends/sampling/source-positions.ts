import { findSourceMap, type SourceMap } from 'node:module';

/** Source maps by script URL (null: none). One entry per script the app loaded, so it is bounded by the app. */
const maps = new Map<string, SourceMap | null>();

/**
 * The original position of a 0-based generated position, when the script has a source map Node knows about
 * (source maps enabled, as tsx and `--enable-source-maps` do); otherwise the position as it is. Profiles
 * report generated positions, which for transpiled TypeScript are often all on line 1.
 */
export function originalPosition(
  url: string,
  line: number,
  column: number,
): { url: string; line: number; column: number } {
  if (line < 0 || !url.startsWith('file:')) return { url, line, column };
  let map = maps.get(url);
  if (map === undefined) {
    try {
      map = findSourceMap(url) ?? null;
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  if (map === null) return { url, line, column };
  try {
    const entry = map.findEntry(line, Math.max(0, column)) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (typeof entry.originalLine !== 'number' || typeof entry.originalSource !== 'string')
      return { url, line, column };
    return { url: entry.originalSource, line: entry.originalLine, column: entry.originalColumn ?? 0 };
  } catch {
    return { url, line, column };
  }
}
