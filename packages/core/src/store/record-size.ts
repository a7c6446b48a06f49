/**
 * Serialized size of a JSON value in bytes (UTF-8), as `JSON.stringify` would produce it. Used to bound stores by
 * bytes; records are small plain objects, so walking them is cheaper than stringifying.
 */
export function jsonSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8') + 2 + countEscapes(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
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

function countEscapes(text: string): number {
  let extra = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c || code === 0x08 || code === 0x0c || code === 0x0a || code === 0x0d || code === 0x09) {
      extra += 1;
    } else if (code < 0x20) {
      extra += 5;
    }
  }
  return extra;
}
