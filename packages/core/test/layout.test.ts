/**
 * The layout of packages/core/src stays navigable (ARCHITECTURE.md): no two folders import each other, directly
 * or around a loop, and a source file over 400 lines says in its header why it is long.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, folderGraph } from '../../../scripts/layout.mjs';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('core layout', () => {
  test('the folder import graph has no cycle', () => {
    const graph = folderGraph(src);
    // The graph is real: the entry point reaches the folders, and the lifecycle reaches the response rules.
    assert.ok(graph.get('ramflow.ts')?.has('lifecycle'));
    assert.ok(graph.get('lifecycle')?.has('response'));
    assert.deepEqual(cycles(graph), []);
  });

  test('the cycle finder finds a cycle', () => {
    const graph = new Map([
      ['a', new Map([['b', [['a/x.ts', 'b/y.ts'] as [string, string]]]])],
      ['b', new Map([['a', [['b/y.ts', 'a/x.ts'] as [string, string]]]])],
    ]);
    assert.deepEqual(cycles(graph), [['a', 'b']]);
  });

  test('every source file over 400 lines says why it is long', () => {
    const unexplained = sourceFiles(src)
      .filter((file) => readFileSync(file, 'utf8').split('\n').length > 400)
      .filter((file) => !/is long because/.test(readFileSync(file, 'utf8').slice(0, 800)))
      .map((file) => relative(src, file));
    assert.deepEqual(unexplained, []);
  });
});
