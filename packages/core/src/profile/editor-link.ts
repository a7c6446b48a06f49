import type { ProfileFrame } from '../types.js';
import { filePath } from './views.js';

/**
 * The "open in editor" link of a frame from the `editorUrl` template (`{path}`, `{line}`, `{column}`), for the
 * app's and its dependencies' files on disk; undefined for Node.js internals, ramflow's own frames, code without a
 * file (eval, wasm) and when links are off. The path is URL-encoded (`#` and `?` too, so they stay in the path).
 */
export function editorLink(frame: ProfileFrame, template: string | false): string | undefined {
  if (template === false) return undefined;
  if ((frame.kind !== 'app' && frame.kind !== 'dependency') || !frame.url.startsWith('file://'))
    return undefined;
  const path = filePath(frame.url)?.replaceAll('\\', '/');
  if (path === undefined) return undefined;
  const encoded = encodeURI(path).replaceAll('#', '%23').replaceAll('?', '%3F');
  const absolute = encoded.startsWith('/') ? encoded : `/${encoded}`;
  const line = frame.line > 0 ? String(frame.line) : '1';
  const column = frame.line > 0 ? String(Math.max(frame.column, 1)) : '1';
  // The default template is `vscode://file/{path}…`: drop the doubled slash an absolute path would give.
  return template
    .replaceAll('/{path}', '{path}')
    .replaceAll('{path}', absolute)
    .replaceAll('{line}', line)
    .replaceAll('{column}', column);
}
