import type { ResponseInfo } from './types.js';

const NO_BODY_STATUS = new Set([204, 205, 304]);

/**
 * Whether a response may receive the toolbar: an uncompressed `text/html` body to a method that has one, with a
 * status that carries content. Streaming is the adapter's call (it only hands over complete bodies).
 */
export function isInjectable(method: string, response: ResponseInfo): boolean {
  if (method === 'HEAD') return false;
  // Only successful pages: error pages (a framework's 500 page, say) pass through exactly as the app wrote them.
  if (response.statusCode < 200 || response.statusCode >= 300 || NO_BODY_STATUS.has(response.statusCode))
    return false;
  if (response.contentEncoding && response.contentEncoding.trim().toLowerCase() !== 'identity') return false;
  const type = response.contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'text/html') return false;
  // Only ASCII-compatible charsets: the toolbar is ASCII and is spliced in as bytes.
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(response.contentType ?? '')?.[1]?.toLowerCase();
  return charset === undefined || (!charset.startsWith('utf-16') && !charset.startsWith('utf-32'));
}

const CLOSING_BODY = Buffer.from('</body');
/**
 * How far from the end `</body` is looked for. A page's `</body>` is near its end; scanning a whole 50 MB page
 * that has none took 178 ms on the request path. Past this the toolbar is appended, which browsers handle the
 * same way (content after `</body>` joins the body).
 */
export const MAX_SCAN_BYTES = 256 * 1024;

/** Index of the last `</body` (any case) within the last MAX_SCAN_BYTES of the bytes, or -1. */
function lastClosingBody(bytes: Buffer): number {
  const stop = Math.max(0, bytes.length - MAX_SCAN_BYTES);
  for (let i = bytes.length - CLOSING_BODY.length; i >= stop; i--) {
    let match = true;
    for (let j = 0; j < CLOSING_BODY.length; j++) {
      // ASCII lower-casing: letters differ from upper case by 0x20.
      const byte = bytes[i + j] as number;
      const lower = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
      if (lower !== CLOSING_BODY[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return -1;
}

/**
 * Splices `html` into `body` before the last `</body>` (case-insensitive) near the end, else appends it. Works on
 * bytes so everything else in the body passes through untouched.
 */
export function injectBeforeBodyEnd(
  body: Buffer | string,
  html: string,
  encoding: BufferEncoding = 'utf8',
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, encoding) : body;
  const insert = Buffer.from(html, 'utf8');
  const at = lastClosingBody(bytes);
  if (at < 0) return Buffer.concat([bytes, insert]);
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}
