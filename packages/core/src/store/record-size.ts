/**
 * Serialized size of a JSON value in bytes (UTF-8), as `JSON.stringify` would produce it. Used to bound stores by
 * bytes; records are small plain objects, so walking them is cheaper than stringifying.
 */
export function jsonSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      // Printable ASCII with nothing to escape is the common case: its size is its length plus the quotes.
      if (PLAIN_ASCII.test(value)) return value.length + 2;
      return stringBytes(value) + 2 + (NEEDS_ESCAPE.test(value) ? countEscapes(value) : 0);
    case 'number':
      return numberLength(value);
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let size = 2 + Math.max(0, value.length - 1);
        for (const item of value) size += item === undefined ? 4 : jsonSize(item);
        return size;
      }
      let size = 2;
      let first = true;
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function') continue;
        size += (first ? 0 : 1) + jsonSize(key) + 1 + jsonSize(item);
        first = false;
      }
      return size;
    }
    default:
      return 0;
  }
}

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes exactly these control characters.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** Characters of `JSON.stringify(n)`, without building the string for the common case of a safe integer. */
function numberLength(value: number): number {
  if (!Number.isFinite(value)) return 4; // null
  if (Number.isSafeInteger(value)) {
    let digits = value < 0 ? 2 : 1;
    let rest = Math.abs(value);
    while (rest >= 10) {
      rest = Math.floor(rest / 10);
      digits++;
    }
    return digits;
  }
  return String(value).length;
}

/**
 * UTF-8 bytes of a string as JSON.stringify writes it: a lone surrogate becomes a 6-character `\\udXXX` escape
 * (well-formed JSON.stringify), where Buffer.byteLength would count 3 bytes of U+FFFD.
 */
function stringBytes(text: string): number {
  if (!LONE_SURROGATE.test(text)) return Buffer.byteLength(text, 'utf8');
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (
      code >= 0xd800 &&
      code <= 0xdbff &&
      i + 1 < text.length &&
      text.charCodeAt(i + 1) >= 0xdc00 &&
      text.charCodeAt(i + 1) <= 0xdfff
    ) {
      bytes += 4;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function countEscapes(text: string): number {
  let extra = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (
      code === 0x22 ||
      code === 0x5c ||
      code === 0x08 ||
      code === 0x0c ||
      code === 0x0a ||
      code === 0x0d ||
      code === 0x09
    ) {
      extra += 1;
    } else if (code < 0x20) {
      extra += 5;
    }
  }
  return extra;
}
