import { randomBytes } from 'node:crypto';

// A per-process random prefix plus a counter: unique across workers sharing a store, cheap on the request path.
const prefix = randomBytes(4).toString('hex');
let counter = 0;

/** A new request id: 8 hex characters of process prefix, `-`, a base-36 counter. */
export function newRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-z]{1,12}$/;

/** Validates an id taken from a URL or header before it is used for a lookup or echoed anywhere. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
