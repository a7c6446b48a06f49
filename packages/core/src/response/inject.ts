import type { ResponseInfo } from '../types.js';

/** Statuses whose body is not a whole page: none (204, 205, 304), or a part of one (206, a Range request). */
const NO_BODY_STATUS = new Set([204, 205, 206, 304]);

/** Why a response got no toolbar: `kind` names the rule (one log line per kind), `message` says it to a person. */
export interface NotInjected {
  kind: string;
  message: string;
}

/**
 * Why a response may not receive the toolbar, or undefined when it may: it needs an uncompressed `text/html` body
 * to a method that has one, with a status that carries content. Streaming is the adapter's call (it only hands
 * over complete bodies; see STREAMED).
 */
export function notInjectableReason(method: string, response: ResponseInfo): NotInjected | undefined {
  if (method === 'HEAD') return { kind: 'head', message: 'a HEAD request: the response has no body' };
  // Only successful pages: error pages (a framework's 500 page, say) pass through exactly as the app wrote them.
  if (response.statusCode < 200 || response.statusCode >= 300 || NO_BODY_STATUS.has(response.statusCode))
    return {
      kind: 'status',
      message: `status ${response.statusCode}: only successful pages with a body (2xx) get the toolbar; others pass through as the app wrote them`,
    };
  const encoding = response.contentEncoding?.trim().toLowerCase();
  if (encoding && encoding !== 'identity')
    return {
      kind: 'encoded',
      message: `compressed (Content-Encoding: ${encoding.slice(0, 40)}) before ramflow saw the page: ramflow does not decompress bodies`,
    };
  const type = response.contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'text/html')
    return { kind: 'not-html', message: `not HTML (Content-Type: ${type?.slice(0, 60) || 'none'})` };
  // Only ASCII-compatible charsets: the toolbar is ASCII and is spliced in as bytes.
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(response.contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && (charset.startsWith('utf-16') || charset.startsWith('utf-32')))
    return {
      kind: 'charset',
      message: `a ${charset.slice(0, 20)} page: the toolbar is spliced in as ASCII bytes, which only ASCII-compatible charsets allow`,
    };
  return undefined;
}

/** Whether a response may receive the toolbar (see notInjectableReason). */
export function isInjectable(method: string, response: ResponseInfo): boolean {
  return notInjectableReason(method, response) === undefined;
}

/** An HTML page that qualified but whose body never reached ramflow whole. */
export const STREAMED: NotInjected = {
  kind: 'streamed',
  message:
    'streamed: ramflow injects only into a page sent in one piece (a string or Buffer body), not into a stream or a body written in parts',
};

/** The request did not ask for a page. */
export const NOT_NAVIGATION: NotInjected = {
  kind: 'not-navigation',
  message:
    "not a browser navigation: the request's Accept has no text/html (a fetch, an XHR or an API client)",
};

/** The app turned the toolbar off. */
export const TOOLBAR_OFF: NotInjected = {
  kind: 'toolbar-off',
  message: 'the toolbar is off (toolbar: false)',
};

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

/** How far from the start `<head>` is looked for: it opens a page, after at most a doctype and comments. */
export const MAX_HEAD_SCAN = 64 * 1024;

/** Index just after the first `<head>` (or `<head …>`, any case) within MAX_HEAD_SCAN, or -1. */
function headEnd(text: string): number {
  const scan = text.length > MAX_HEAD_SCAN ? text.slice(0, MAX_HEAD_SCAN) : text;
  const match = /<head(?:\s[^>]*)?>/i.exec(scan);
  return match === null ? -1 : match.index + match[0].length;
}

/**
 * Splices `early` in right after the page's `<head>` (so it runs before any of the page's scripts) and `late`
 * before `</body>` (injectBeforeBodyEnd). Without a `<head>` near the start, both go before `</body>`, `early`
 * first. A string body gives a string, a Buffer a Buffer.
 */
export function injectIntoPage(body: Buffer, early: string, late: string): Buffer;
export function injectIntoPage(body: string, early: string, late: string): string;
export function injectIntoPage(body: Buffer | string, early: string, late: string): Buffer | string;
export function injectIntoPage(body: Buffer | string, early: string, late: string): Buffer | string {
  if (typeof body === 'string') {
    const at = headEnd(body);
    if (at < 0) return injectBeforeBodyEnd(body, early + late);
    return injectBeforeBodyEnd(body.slice(0, at) + early + body.slice(at), late);
  }
  // The head is ASCII markup near the start: read that much as Latin-1 (one character per byte) to find it.
  const at = headEnd(body.subarray(0, MAX_HEAD_SCAN).toString('latin1'));
  if (at < 0) return injectBeforeBodyEnd(body, early + late);
  const head = Buffer.concat([body.subarray(0, at), Buffer.from(early, 'utf8'), body.subarray(at)]);
  return injectBeforeBodyEnd(head, late);
}
