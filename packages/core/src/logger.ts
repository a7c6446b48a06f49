import type { RamflowLogger } from './types.js';

/** The default logger: console with a prefix (adapters pass the framework's logger instead when there is one). */
export const consoleLogger: RamflowLogger = {
  info: (message) => console.info(`[ramflow] ${message}`),
  warn: (message) => console.warn(`[ramflow] ${message}`),
  error: (message) => console.error(`[ramflow] ${message}`),
};

const MAX_KEYS = 1000;

/**
 * Logs each distinct key once, so a failure repeated on every request is reported once rather than flooding
 * the app's log. The set of keys is bounded.
 */
export class OnceLogger {
  readonly #seen = new Set<string>();

  constructor(readonly logger: RamflowLogger) {}

  once(level: keyof RamflowLogger, key: string, message: string): void {
    if (this.#seen.has(key)) return;
    if (this.#seen.size >= MAX_KEYS) return;
    this.#seen.add(key);
    try {
      this.logger[level](message);
    } catch {
      // A broken logger must not break the request either.
    }
  }
}
