// This file is long because it is a streaming tokenizer for V8's .heapsnapshot format whose states share buffers;
// it is performance-critical (see bench/snapshot-parse.mjs) and reads as one state machine.
/**
 * The byte level of the streaming `.heapsnapshot` reading, shared by HeapSnapshotParser (parser.ts) and
 * HeapSnapshotIdScanner (id-scanner.ts): a state machine over the top-level JSON object that reads `nodes` and
 * `edges` with a byte loop into its owner's Uint32Arrays, decodes the string table one string at a time, captures
 * and validates the small `snapshot` header, and skips whatever its owner does not ask for. Chunks may be cut
 * anywhere (bytes or inspector string chunks); nothing here holds the file, or any large part of it, as a string.
 */
import { open } from 'node:fs/promises';
import { type GraphLayout, graphLayout, KEPT_NODE_FIELDS } from './graph.js';

/** What the `snapshot` header declares. The counts only size the arrays: the data decides, so they may be wrong. */
export interface SnapshotHeader {
  /** The file's `node_fields`, all of them (a graph keeps only KEPT_NODE_FIELDS). */
  readonly nodeFields: string[];
  readonly nodeTypes: string[];
  readonly edgeFields: string[];
  readonly edgeTypes: string[];
  /** Where each field sits in the FILE's records (`nodeFieldCount` is the file's, which `to_node` offsets count in). */
  readonly layout: GraphLayout;
  /** Where each of KEPT_NODE_FIELDS sits in the file's node records, in KEPT_NODE_FIELDS order. */
  readonly keptNodeFields: readonly number[];
  readonly nodeCount: number | undefined;
  readonly edgeCount: number | undefined;
}

/**
 * Where a numeric section's values go: `array` is filled from `length` on; when it is full the reader calls `full`,
 * which makes room (grows the array, or consumes its values and lowers `length`). `flush` follows each slice of
 * values (NUMBER_SLICE bytes of input) and the section's last one: the records written since are still in the CPU
 * cache, so that is when to visit them (a separate pass over a 100 MB array cost ~100 ms more on a 200 MB file);
 * it may consume them too. The reader re-reads `array` and `length` after either call.
 */
export interface NumberTarget {
  array: Uint32Array;
  length: number;
  full(): void;
  flush(): void;
}

/** What a reader's owner keeps from the file; sections it does not ask for are skipped. */
export interface ReaderHandlers {
  header(header: SnapshotHeader): void;
  /** Target for `nodes` / `edges`, or undefined to skip the section. */
  numbers(key: 'nodes' | 'edges'): NumberTarget | undefined;
  /**
   * The array the string table is written to, from index 0, or undefined to skip the section; asked when it starts.
   * It may come presized (`new Array(n)`, no growth garbage when `n` is right): the reader sets its length to the
   * string count at the end.
   */
  strings(): string[] | undefined;
}

// Top-level states of the reader: the object's punctuation, and one state per kind of section being read.
const T_OBJECT = 0;
const T_KEY_OR_CLOSE = 1;
const T_KEY = 2;
const T_KEY_STRING = 3;
const T_COLON = 4;
const T_VALUE = 5;
const T_AFTER_VALUE = 6;
const T_DONE = 7;
const T_NUMBERS = 8;
const T_SKIP_NUMBERS = 9;
const T_STRINGS = 10;
const T_SKIP = 11;

// Inside a numeric array.
const NUM_FIRST = 0; // after `[`: a number or `]`
const NUM_NEXT = 1; // after `,`: a number
const NUM_DIGITS = 2; // in a number cut by a slice end (a number starting with 0 is 0, and must end there)
const NUM_AFTER = 3; // after a number: `,` or `]`

// Inside the string table.
const STR_FIRST = 0;
const STR_NEXT = 1;
const STR_IN = 2;
const STR_ESCAPE = 3;
const STR_AFTER = 4;

/**
 * Numeric sections are read this many bytes per call. Short calls let V8 optimize the loop with feedback from its
 * exit path; one long call per chunk gets the loop compiled on-stack first, and that code deoptimizes at every
 * chunk's end. Records are also visited per slice, while in L1/L2 cache.
 */
const NUMBER_SLICE = 16384;

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** Growable byte buffer for what must outlive a chunk: keys, the header, a string split across chunks. */
class ByteBuffer {
  bytes = new Uint8Array(256);
  length = 0;

  append(source: Uint8Array, start: number, end: number): void {
    const needed = this.length + end - start;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(source.subarray(start, end), this.length);
    this.length = needed;
  }

  text(): string {
    return utf8.decode(this.bytes.subarray(0, this.length));
  }

  clear(): void {
    this.length = 0;
    if (this.bytes.length > 1 << 20) this.bytes = new Uint8Array(256);
  }
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * The byte-level state machine shared by the parser and the id scanner. It never keeps a reference to a chunk after
 * `write` returns (callers reuse their buffers), so anything spanning chunks is copied out.
 */
export class SnapshotReader {
  private state = T_OBJECT;
  /** Bytes before the current chunk, for error positions. */
  private offset = 0;
  private key = '';
  private readonly keyBytes = new ByteBuffer();
  private readonly seen = new Set<string>();

  // Numeric sections.
  private target: NumberTarget | undefined;
  private numState = NUM_FIRST;
  private numValue = 0;

  // String table: `pending` holds the head of a string the previous chunk cut; `special` marks a string with an
  // escape, a control character or a non-ASCII byte (decoded by JSON.parse rather than as Latin-1).
  private strState = STR_FIRST;
  private special = false;
  private readonly pending = new ByteBuffer();
  private table: string[] = [];
  private stringCount = 0;

  // Skipped (or captured) values: a bracket stack of expected closers, string state, and a depth-0 scalar flag.
  private stack = new Uint8Array(64);
  private depth = 0;
  private inString = false;
  private escape = false;
  private scalar = false;
  private capture: ByteBuffer | undefined;

  // String chunks: reused UTF-8 buffer, and a high surrogate held back when a chunk ends between a pair's halves.
  private encoded = new Uint8Array(0);
  private heldSurrogate = '';

  constructor(private readonly handlers: ReaderHandlers) {}

  /** One chunk: a byte buffer (reusable once this returns) or an inspector string chunk. */
  write(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') this.writeString(chunk);
    else this.writeBytes(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  private writeString(chunk: string): void {
    let text = this.heldSurrogate === '' ? chunk : this.heldSurrogate + chunk;
    this.heldSurrogate = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.heldSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (this.encoded.length < text.length * 3) this.encoded = new Uint8Array(text.length * 3);
    const { written } = encoder.encodeInto(text, this.encoded);
    this.writeBytes(this.encoded.subarray(0, written));
  }

  private writeBytes(bytes: Uint8Array): void {
    const end = bytes.length;
    let i = 0;
    while (i < end) {
      switch (this.state) {
        case T_NUMBERS:
          i = this.numbers(bytes, i, Math.min(end, i + NUMBER_SLICE));
          // The slice's records, visited while in cache. Called here, not at the end of numbers(): its code is
          // optimized (OSR) inside the first slice, before any flush ran, and inlined the flush without feedback,
          // then left the optimized code at every slice's end (900+ deopts on a 50 MB file, ~+15 ms).
          this.target?.flush();
          break;
        case T_STRINGS:
          i = this.strings(bytes, i, end);
          break;
        case T_SKIP:
          i = this.skip(bytes, i, end);
          break;
        case T_SKIP_NUMBERS: {
          // A numeric array ends at its first `]`; Buffer#indexOf (memchr) finds it ~6x faster than a typed array's.
          const close = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(93 /* ] */, i);
          if (close < 0) i = end;
          else {
            i = close + 1;
            this.sectionDone();
          }
          break;
        }
        case T_KEY_STRING:
          i = this.keyString(bytes, i, end);
          break;
        default:
          i = this.structure(bytes, i, end);
      }
    }
    this.offset += end;
  }

  /** Checks that the input was one complete object; anything else is a truncated or broken file. */
  end(): void {
    if (this.heldSurrogate !== '') {
      const held = this.heldSurrogate;
      this.heldSurrogate = '';
      this.writeBytes(encoder.encode(held));
    }
    if (this.state === T_DONE) return;
    const where =
      this.state === T_OBJECT
        ? 'before any JSON (empty input)'
        : this.state >= T_NUMBERS || this.state === T_VALUE
          ? `inside "${this.key}"`
          : 'before the top-level object was closed';
    throw new Error(`heap snapshot is truncated: input ended ${where} after ${this.offset} bytes`);
  }

  has(key: string): boolean {
    return this.seen.has(key);
  }

  private fail(message: string, index: number): never {
    throw new Error(`heap snapshot: ${message} at byte ${this.offset + index}`);
  }

  private unexpected(c: number, expected: string, index: number): never {
    const found = c >= 32 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`;
    this.fail(`expected ${expected} but found ${found}${this.key === '' ? '' : ` in "${this.key}"`}`, index);
  }

  /** One byte of the top-level object's punctuation (whitespace runs at once). */
  private structure(bytes: Uint8Array, i: number, end: number): number {
    let c = bytes[i] as number;
    while (isWhitespace(c)) {
      if (++i === end) return end;
      c = bytes[i] as number;
    }
    switch (this.state) {
      case T_OBJECT:
        if (c !== 123 /* { */) this.unexpected(c, 'a JSON object', i);
        this.state = T_KEY_OR_CLOSE;
        break;
      case T_KEY_OR_CLOSE:
      case T_KEY:
        if (c === 125 /* } */ && this.state === T_KEY_OR_CLOSE) this.state = T_DONE;
        else if (c === 34 /* " */) {
          this.keyBytes.clear();
          this.escape = false;
          this.state = T_KEY_STRING;
        } else this.unexpected(c, 'a key', i);
        break;
      case T_COLON:
        if (c !== 58 /* : */) this.unexpected(c, "':'", i);
        this.state = T_VALUE;
        break;
      case T_VALUE:
        return this.startValue(c, i);
      case T_AFTER_VALUE:
        if (c === 44 /* , */) this.state = T_KEY;
        else if (c === 125 /* } */) this.state = T_DONE;
        else this.unexpected(c, "',' or '}'", i);
        break;
      default:
        this.fail('unexpected data after the end of the snapshot', i);
    }
    return i + 1;
  }

  private keyString(bytes: Uint8Array, i: number, end: number): number {
    const start = i;
    for (; i < end; i++) {
      const c = bytes[i] as number;
      if (this.escape) this.escape = false;
      else if (c === 92 /* \ */) this.escape = true;
      else if (c === 34 /* " */) {
        this.keyBytes.append(bytes, start, i);
        const key = parseJson(`"${this.keyBytes.text()}"`, 'a top-level key') as string;
        if (this.seen.has(key)) this.fail(`duplicate top-level key "${key}"`, i);
        this.key = key;
        this.state = T_COLON;
        return i + 1;
      }
    }
    this.keyBytes.append(bytes, start, end);
    return end;
  }

  /** Dispatches on the key: the first byte of its value is at `i`. */
  private startValue(c: number, i: number): number {
    const key = this.key;
    if (key === 'nodes' || key === 'edges' || key === 'strings') {
      if (c !== 91 /* [ */) this.unexpected(c, `an array for "${key}"`, i);
      if (key === 'strings') {
        const table = this.handlers.strings();
        if (table === undefined) return this.startSkip(i, false, false);
        this.table = table;
        this.stringCount = 0;
        this.strState = STR_FIRST;
        this.state = T_STRINGS;
      } else {
        this.target = this.handlers.numbers(key);
        this.numState = NUM_FIRST;
        this.state = this.target === undefined ? T_SKIP_NUMBERS : T_NUMBERS;
      }
      return i + 1;
    }
    if (key === 'snapshot') {
      if (c !== 123 /* { */) this.unexpected(c, 'an object for "snapshot"', i);
      return this.startSkip(i, true, false);
    }
    // Scalars (short) are captured to be validated; other unknown values are skipped.
    const scalar = c !== 91 && c !== 123 && c !== 34;
    return this.startSkip(i, scalar, scalar);
  }

  /** Skips (or captures) the value starting at `i`; the skipper reads its first byte, bracket or quote. */
  private startSkip(i: number, capture: boolean, scalar: boolean): number {
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.scalar = scalar;
    this.capture = capture ? new ByteBuffer() : undefined;
    this.state = T_SKIP;
    return i;
  }

  private sectionDone(): void {
    this.seen.add(this.key);
    this.state = T_AFTER_VALUE;
  }

  /**
   * The hot loop: a JSON array of non-negative integers into `target`, which V8 writes as `[n,n,...\n,n,...]`.
   * Anything but digits, commas and whitespace (signs, fractions, exponents, leading zeros, values past 2^32-1)
   * is an error, not a silent truncation.
   */
  private numbers(bytes: Uint8Array, i: number, end: number): number {
    if (this.numState === NUM_DIGITS) {
      i = this.resumeNumber(bytes, i, end);
      if (i === end) return end;
    }
    const target = this.target as NumberTarget;
    let out = target.array;
    let pos = target.length;
    let capacity = out.length;
    let state = this.numState;
    let value = 0;
    chunk: while (i < end) {
      let c = bytes[i] as number;
      let digit = (c - 48) >>> 0;
      if (digit < 10 && state !== NUM_AFTER) {
        // A whole number, unless the slice ends inside it.
        value = digit;
        if (++i === end) {
          state = NUM_DIGITS;
          break;
        }
        c = bytes[i] as number;
        digit = (c - 48) >>> 0;
        if (digit < 10) {
          if (value === 0) this.fail(`number with a leading zero in "${this.key}"`, i);
          do {
            value = value * 10 + digit;
            if (++i === end) {
              state = NUM_DIGITS;
              break chunk;
            }
            c = bytes[i] as number;
            digit = (c - 48) >>> 0;
          } while (digit < 10);
          if (value > 0xffffffff) this.fail(`number ${value} in "${this.key}" exceeds 2^32-1`, i);
        }
        if (pos === capacity) {
          target.length = pos;
          target.full();
          out = target.array;
          pos = target.length;
          capacity = out.length;
        }
        out[pos++] = value;
        if (c === 44 /* , */) {
          state = NUM_NEXT;
          i++;
        } else state = NUM_AFTER;
        continue;
      }
      if (c === 44 /* , */ && state === NUM_AFTER) state = NUM_NEXT;
      else if (c === 93 /* ] */ && state !== NUM_NEXT) return this.numbersDone(pos, i);
      else if (!isWhitespace(c))
        this.unexpected(c, state === NUM_AFTER ? "',' or ']'" : 'a non-negative integer', i);
      i++;
    }
    this.numValue = value;
    this.numState = state;
    target.length = pos;
    return end;
  }

  /** The rest of a number the previous slice cut (digits so far in `numValue`). */
  private resumeNumber(bytes: Uint8Array, i: number, end: number): number {
    let value = this.numValue;
    for (; i < end; i++) {
      const digit = ((bytes[i] as number) - 48) >>> 0;
      if (digit >= 10) {
        if (value > 0xffffffff) this.fail(`number ${value} in "${this.key}" exceeds 2^32-1`, i);
        const target = this.target as NumberTarget;
        if (target.length === target.array.length) target.full();
        target.array[target.length++] = value;
        this.numState = NUM_AFTER;
        return i;
      }
      if (value === 0) this.fail(`number with a leading zero in "${this.key}"`, i);
      value = value * 10 + digit;
    }
    this.numValue = value;
    return end;
  }

  private numbersDone(length: number, i: number): number {
    const target = this.target as NumberTarget;
    target.length = length;
    target.flush();
    this.target = undefined;
    this.sectionDone();
    return i + 1;
  }

  /**
   * The string table, one string at a time. Most are plain ASCII within one chunk: those are sliced from the chunk
   * as Latin-1, which is 3x faster than `JSON.parse` of a batch; a string with escapes or non-ASCII bytes is
   * decoded by `JSON.parse` (every escape, surrogate pairs included), a string cut by a chunk end from `pending`.
   */
  private strings(bytes: Uint8Array, i: number, end: number): number {
    const table = this.table;
    let count = this.stringCount;
    let state = this.strState;
    let special = this.special;
    let start = 0; // where the current string's content starts in this chunk
    let chunk: Buffer | undefined;
    for (; i < end; i++) {
      const c = bytes[i] as number;
      if (state === STR_IN) {
        if (c === 34 /* " */) {
          if (this.pending.length === 0 && !special) {
            chunk ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            table[count++] = chunk.toString('latin1', start, i);
          } else {
            this.pending.append(bytes, start, i);
            table[count++] = this.pendingString(special);
          }
          state = STR_AFTER;
        } else if (c === 92 /* \ */) {
          special = true;
          state = STR_ESCAPE;
        } else if (c < 32 || c > 127) special = true;
      } else if (state === STR_ESCAPE) state = STR_IN;
      else if (state === STR_AFTER) {
        if (c === 44 /* , */) state = STR_NEXT;
        else if (c === 93 /* ] */) return this.stringsDone(count, i);
        else if (!isWhitespace(c)) this.unexpected(c, "',' or ']'", i);
      } else if (c === 34 /* " */) {
        state = STR_IN;
        special = false;
        start = i + 1;
      } else if (c === 93 /* ] */ && state === STR_FIRST) return this.stringsDone(count, i);
      else if (!isWhitespace(c)) this.unexpected(c, 'a string', i);
    }
    if (state === STR_IN || state === STR_ESCAPE) this.pending.append(bytes, start, end);
    this.strState = state;
    this.special = special;
    this.stringCount = count;
    return end;
  }

  private stringsDone(count: number, i: number): number {
    this.table.length = count;
    this.table = [];
    this.sectionDone();
    return i + 1;
  }

  private pendingString(special: boolean): string {
    const text = this.pending.text();
    this.pending.clear();
    return special ? (parseJson(`"${text}"`, 'a string in "strings"') as string) : text;
  }

  /**
   * A value the owner does not need (or the small `snapshot` header, captured): tracks strings and brackets to find
   * its end. Skipped content is checked for balanced brackets only; captured content is validated by `JSON.parse`.
   */
  private skip(bytes: Uint8Array, i: number, end: number): number {
    const start = i;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escape;
    let done = -1;
    for (; i < end; i++) {
      const c = bytes[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) {
          inString = false;
          if (depth === 0) {
            done = i + 1;
            break;
          }
        }
      } else if (this.scalar) {
        if (c === 44 /* , */ || c === 125 /* } */ || isWhitespace(c)) {
          done = i;
          break;
        }
      } else if (c === 34) inString = true;
      else if (c === 91 /* [ */ || c === 123 /* { */) {
        if (depth === this.stack.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(this.stack);
          this.stack = grown;
        }
        this.stack[depth++] = c + 2; // the matching closer: ] is [ + 2, } is { + 2
      } else if (c === 93 /* ] */ || c === 125 /* } */) {
        if (depth === 0 || this.stack[--depth] !== c) this.unexpected(c, 'balanced brackets', i);
        if (depth === 0) {
          done = i + 1;
          break;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escaped;
    this.capture?.append(bytes, start, done < 0 ? end : done);
    if (done < 0) return end;
    if (this.capture !== undefined) {
      const value = parseJson(this.capture.text(), `the value of "${this.key}"`);
      if (this.key === 'snapshot') this.handlers.header(readHeader(value));
      this.capture = undefined;
    }
    this.sectionDone();
    return done;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`heap snapshot: invalid JSON in ${what}: ${(error as Error).message}`);
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function optionalCount(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw new Error(`heap snapshot: snapshot.${name} is not a non-negative integer`);
  return value as number;
}

function readHeader(json: unknown): SnapshotHeader {
  const snapshot = json as { meta?: Record<string, unknown>; node_count?: unknown; edge_count?: unknown };
  const meta = snapshot.meta;
  if (typeof meta !== 'object' || meta === null)
    throw new Error('not a V8 heap snapshot: snapshot.meta missing');
  const nodeFields = meta.node_fields;
  const edgeFields = meta.edge_fields;
  const nodeTypes = (meta.node_types as unknown[] | undefined)?.[0];
  const edgeTypes = (meta.edge_types as unknown[] | undefined)?.[0];
  if (
    !isStringArray(nodeFields) ||
    !isStringArray(edgeFields) ||
    !isStringArray(nodeTypes) ||
    !isStringArray(edgeTypes)
  )
    throw new Error('not a V8 heap snapshot: snapshot.meta lacks node/edge fields or types');
  const keptNodeFields = KEPT_NODE_FIELDS.map((name) => {
    const index = nodeFields.indexOf(name);
    if (index < 0)
      throw new Error(
        `not a V8 heap snapshot: snapshot.meta.node_fields lacks "${name}" (needs ${KEPT_NODE_FIELDS.join(', ')})`,
      );
    return index;
  });
  return {
    nodeFields,
    nodeTypes,
    edgeFields,
    edgeTypes,
    layout: graphLayout({ nodeFields, edgeFields }),
    keptNodeFields,
    nodeCount: optionalCount(snapshot.node_count, 'node_count'),
    edgeCount: optionalCount(snapshot.edge_count, 'edge_count'),
  };
}

/**
 * Streams a file into `write`, reading the next chunk while the current one is parsed (two reused buffers), so
 * the disk or page cache copy overlaps the parse.
 */
export async function readChunks(
  path: string,
  chunkSize: number,
  write: (chunk: Uint8Array) => void,
): Promise<void> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const file = await open(path, 'r');
  let current = new Uint8Array(chunkSize);
  let spare = new Uint8Array(chunkSize);
  let position = 0;
  let next: Promise<{ bytesRead: number }> = file.read(current, 0, chunkSize, 0);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) break;
      position += bytesRead;
      next = file.read(spare, 0, chunkSize, position);
      write(current.subarray(0, bytesRead));
      [current, spare] = [spare, current];
    }
  } finally {
    await next.catch(() => undefined);
    await file.close();
  }
}
