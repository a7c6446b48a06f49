import type { RamflowErrorCode } from './types.js';

/** Thrown at construction for bad options; recorded (never thrown) on the request path. */
export class RamflowError extends Error {
  readonly code: RamflowErrorCode;

  constructor(code: RamflowErrorCode, message: string, options?: { cause?: unknown }) {
    super(`ramflow: ${message}`, options);
    this.name = 'RamflowError';
    this.code = code;
  }
}

/** Turns anything thrown into a short, loggable description. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
