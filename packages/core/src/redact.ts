import type { HeapObjectsDiff } from './types.js';

/**
 * Query parameter names whose values are replaced before a record is stored: any name containing one of these
 * (case-insensitive), so `access_token`, `api_key`, `sessionId`, `code_verifier` and `X-Amz-Signature` match.
 */
export const DEFAULT_REDACT: ReadonlyArray<string | RegExp> = [
  'token',
  'password',
  'passwd',
  'secret',
  'key',
  'auth',
  'session',
  'code',
  'signature',
  'credential',
  'jwt',
];

export const REDACTED = '[redacted]';

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function secretName(name: string, rules: ReadonlyArray<string | RegExp>): boolean {
  const lower = name.toLowerCase();
  for (const rule of rules) {
    if (typeof rule === 'string' ? lower.includes(rule.toLowerCase()) : rule.test(name)) return true;
  }
  return false;
}

/**
 * The URL (path and query, or absolute) with the values of secret-named query parameters replaced by
 * `[redacted]`. Everything else keeps its exact encoding.
 */
export function redactUrl(url: string, rules: ReadonlyArray<string | RegExp>): string {
  const at = url.indexOf('?');
  if (at < 0 || rules.length === 0) return url;
  const hash = url.indexOf('#', at);
  const query = url.slice(at + 1, hash < 0 ? undefined : hash);
  let changed = false;
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    if (equals < 0 || !secretName(decodeName(part.slice(0, equals)), rules)) return part;
    changed = true;
    return `${part.slice(0, equals + 1)}${REDACTED}`;
  });
  if (!changed) return url;
  return `${url.slice(0, at + 1)}${parts.join('&')}${hash < 0 ? '' : url.slice(hash)}`;
}

/** A Referer with its whole query string replaced: it names another page's parameters, secrets included. */
export function redactReferer(referer: string): string {
  const at = referer.indexOf('?');
  return at < 0 ? referer : `${referer.slice(0, at + 1)}${REDACTED}`;
}

/**
 * Property and variable names that look like secrets (a token used as an object key: long, unspaced, letters
 * mixed with digits) are replaced in retainer paths: the path's shape is what a reader needs, not the key.
 */
const TOKEN_LIKE = /^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9+/=_.:-]{20,}$/;

export function redactHeapDiff(heap: HeapObjectsDiff): HeapObjectsDiff {
  let changed = false;
  const newObjects = heap.newObjects.map((group) => {
    if (group.paths.length === 0) return group;
    const paths = group.paths.map((path) => {
      if (!path.steps.some((step) => TOKEN_LIKE.test(step.edge))) return path;
      changed = true;
      return {
        ...path,
        steps: path.steps.map((step) =>
          TOKEN_LIKE.test(step.edge)
            ? { ...step, edge: `${REDACTED} (${step.edge.length} characters)` }
            : step,
        ),
      };
    });
    return { ...group, paths };
  });
  return changed ? { ...heap, newObjects } : heap;
}
