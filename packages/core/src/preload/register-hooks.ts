/**
 * Module loader hooks of the @ramflow/core/register preload (registered with `module.register`; they run on the
 * loader thread, which cannot read the main thread's heap). Each ESM module from a file gets a prelude and an
 * epilogue that tell the main thread its body starts and ends:
 * `globalThis[Symbol.for('ramflow.bootstrap')]?.enter?.(import.meta.url)` / `.exit?.(…)`.
 * The prelude sits on the module's first line, so only columns on that line shift; line numbers do not.
 * CommonJS modules are left alone: the preload measures them through `Module.prototype.load`.
 */

interface LoadResult {
  format?: string | null | undefined;
  source?: string | ArrayBuffer | ArrayBufferView | null | undefined;
  shortCircuit?: boolean;
}

type NextLoad = (url: string, context?: unknown) => LoadResult | Promise<LoadResult>;

const STATE = "globalThis[Symbol.for('ramflow.bootstrap')]";
const PRELUDE = `${STATE}?.enter?.(import.meta.url);`;
const EPILOGUE = `\n;${STATE}?.exit?.(import.meta.url);\n`;

/** The module source with the prelude and epilogue (after a `#!` line, which must stay first). */
export function instrument(source: string): string {
  if (source.startsWith('#!')) {
    const newline = source.indexOf('\n');
    if (newline < 0) return source;
    return source.slice(0, newline + 1) + PRELUDE + source.slice(newline + 1) + EPILOGUE;
  }
  return PRELUDE + source + EPILOGUE;
}

const decoder = new TextDecoder();

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || !url.startsWith('file:') || result.source == null) return result;
  const { source } = result;
  let text: string;
  if (typeof source === 'string') text = source;
  else if (source instanceof ArrayBuffer) text = decoder.decode(source);
  else text = decoder.decode(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  return { ...result, source: instrument(text) };
}
