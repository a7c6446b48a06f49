import type { ResponseInfo } from '../types.js';

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

/** Index of the last `</body` (any case) within the last MAX_SCAN_BYTES characters of the string, or -1. */
function lastClosingBodyIn(text: string): number {
  const stop = Math.max(0, text.length - MAX_SCAN_BYTES);
  for (let i = text.length - CLOSING_BODY.length; i >= stop; i--) {
    let match = true;
    for (let j = 0; j < CLOSING_BODY.length; j++) {
      const code = text.charCodeAt(i + j);
      const lower = code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
      if (lower !== CLOSING_BODY[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return -1;
}

const FLAT = /^/;

/**
 * Makes V8 copy a string built by concatenation into one piece, as reading it whole does (a regular expression
 * flattens its subject; the match itself is empty). Writing a page does it anyway (Node, or a framework measuring
 * `Content-Length`): done before ramflow's own work, the copy stays the app's, as it would be without the toolbar.
 */
export function flatten(text: string): string {
  FLAT.test(text);
  return text;
}

/** Characters outside Latin-1: V8 then stores the string with two bytes per character. */
const TWO_BYTE = /[\u0100-\uffff]/;

/**
 * The bytes Node copies of the toolbar when it writes a string body (it joins the headers and the body into one
 * string and flattens it): one per character of `html`, two when the page is stored two bytes per character.
 * Zero for a Buffer body, which Node writes as it is.
 */
export function toolbarCopyBytes(body: Buffer | string, html: string): number {
  if (typeof body !== 'string') return 0;
  return html.length * (TWO_BYTE.test(body) ? 2 : 1);
}

/**
 * Splices `html` into `body` before the last `</body>` (case-insensitive) near the end, else appends it; a string
 * body gives a string (flat, see {@link flatten}), a Buffer a Buffer, so the framework writes the page as it would
 * have without the toolbar. Everything else in the body passes through untouched.
 */
export function injectBeforeBodyEnd(body: Buffer, html: string): Buffer;
export function injectBeforeBodyEnd(body: string, html: string): string;
export function injectBeforeBodyEnd(body: Buffer | string, html: string): Buffer | string;
export function injectBeforeBodyEnd(body: Buffer | string, html: string): Buffer | string {
  if (typeof body === 'string') {
    const at = lastClosingBodyIn(body);
    return flatten(at < 0 ? body + html : body.slice(0, at) + html + body.slice(at));
  }
  const bytes = body;
  const insert = Buffer.from(html, 'utf8');
  const at = lastClosingBody(bytes);
  if (at < 0) return Buffer.concat([bytes, insert]);
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}
