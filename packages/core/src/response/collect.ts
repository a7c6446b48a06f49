import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { RequestSession, ResponseInfo } from '../types.js';

/**
 * Largest page ramflow collects whole from a stream or from several writes to put the toolbar in: a static
 * `index.html` (a single-page app in development) or a server-rendered page is far smaller. Larger pages, and
 * streams without a declared length (a page streamed as it renders), pass through untouched and say so.
 */
export const MAX_COLLECTED_BYTES = 2 * 1024 * 1024;

/**
 * Whether a streamed page of `declaredLength` bytes (its Content-Length) may be collected whole: a known length
 * within MAX_COLLECTED_BYTES, so memory and delay are bounded before the first byte goes out.
 */
export function mayCollect(declaredLength: unknown): boolean {
  const length = typeof declaredLength === 'string' ? Number(declaredLength) : declaredLength;
  return (
    typeof length === 'number' && Number.isInteger(length) && length > 0 && length <= MAX_COLLECTED_BYTES
  );
}

/**
 * Reads a page stream (a static file's, say) to its end. Resolves to its bytes; or, when it is not the page its
 * headers describe (more or fewer bytes than `declaredLength`), to a stream of the same bytes, which ramflow then
 * passes on untouched. Rejects when the stream fails, as sending it would have failed.
 */
export async function collectStream(
  stream: Readable,
  declaredLength: number,
): Promise<{ bytes: Buffer } | { passThrough: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  // Read by hand: a for-await loop left early would destroy the stream, which must go on when it is not collected.
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const bytes = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(bytes);
    length += bytes.length;
    if (length > declaredLength) return { passThrough: Readable.from(resume(chunks, iterator)) };
  }
  if (length === declaredLength) return { bytes: Buffer.concat(chunks, length) };
  return { passThrough: Readable.from(chunks) };
}

async function* resume(
  read: Buffer[],
  iterator: AsyncIterator<Buffer | string>,
): AsyncGenerator<Buffer | string> {
  yield* read;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * The toolbar in a page the framework would send as a stream (koa-static's and @fastify/static's files): when
 * the page may be collected (an injectable response with a declared, bounded length), reads it and gives back
 * the body to send instead, with the toolbar in; or the same bytes as a new stream when the stream was not the
 * page its headers describe. Undefined when the stream is left alone (the record then says "streamed").
 */
export async function injectIntoStream(
  session: RequestSession,
  stream: Readable,
  info: ResponseInfo,
  declaredLength: unknown,
  nonceSource?: { request: IncomingMessage; response: ServerResponse },
): Promise<{ body: string | Buffer } | { stream: Readable } | undefined> {
  if (!session.mayInject || !mayCollect(declaredLength) || !session.wantsBody(info)) return undefined;
  const collected = await collectStream(stream, Number(declaredLength));
  if ('passThrough' in collected) return { stream: collected.passThrough };
  return { body: session.injectToolbar(collected.bytes, info, nonceSource) };
}

/** A readable stream (what frameworks accept as a body to pipe), as opposed to a string, Buffer or object. */
export function isReadableStream(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
