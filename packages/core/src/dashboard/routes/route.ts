import type { Exchange } from './exchange.js';

/**
 * One entry of the dashboard's route table: a path below `basePath` (exact, or a pattern whose groups the
 * handler receives), the methods it answers, and its handler.
 */
export interface Route {
  readonly path: string | RegExp;
  /** Default: GET and HEAD. Any other method gets 405 with these in `Allow`. */
  readonly methods?: readonly string[];
  /**
   * Default true: finished requests are settled (`flush`) before it runs, so a page opened right after a request
   * shows that request. False for routes that read no records (assets, the audit).
   */
  readonly settle?: boolean;
  handle(exchange: Exchange, groups: readonly string[]): void | Promise<void>;
}

/** The route for `path` and its pattern's groups, or undefined. */
export function matchRoute(
  routes: readonly Route[],
  path: string,
): { route: Route; groups: string[] } | undefined {
  for (const route of routes) {
    if (typeof route.path === 'string') {
      if (route.path === path) return { route, groups: [] };
      continue;
    }
    const match = route.path.exec(path);
    if (match) return { route, groups: match.slice(1).map((group) => group ?? '') };
  }
  return undefined;
}
