import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { editorLink } from '../../src/profile/editor-link.js';
import type { ProfileFrame } from '../../src/types.js';

const frame = (over: Partial<ProfileFrame>): ProfileFrame => ({
  name: 'buildReport',
  url: 'file:///srv/my%20app/src/report%231.ts',
  line: 12,
  column: 5,
  kind: 'app',
  ...over,
});

describe('editorLink', () => {
  test('fills the default VS Code template with the encoded absolute path, line and column', () => {
    assert.equal(
      editorLink(frame({}), 'vscode://file/{path}:{line}:{column}'),
      'vscode://file/srv/my%20app/src/report%231.ts:12:5',
    );
  });

  test('other templates, and line 1 column 1 when the frame has no position', () => {
    assert.equal(
      editorLink(frame({ line: 0, column: 0 }), 'idea://open?file={path}&line={line}'),
      'idea://open?file=/srv/my%20app/src/report%231.ts&line=1',
    );
  });

  test('no link for Node.js internals, ramflow, code without a file, or when links are off', () => {
    assert.equal(
      editorLink(frame({ kind: 'node', url: 'node:internal/x' }), 'vscode://file/{path}'),
      undefined,
    );
    assert.equal(editorLink(frame({ kind: 'ramflow' }), 'vscode://file/{path}'), undefined);
    assert.equal(editorLink(frame({ url: '' }), 'vscode://file/{path}'), undefined);
    assert.equal(editorLink(frame({}), false), undefined);
    assert.match(
      editorLink(frame({ kind: 'dependency' }), 'vscode://file/{path}') ?? '',
      /^vscode:\/\/file\/srv/,
    );
  });
});
