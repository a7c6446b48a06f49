import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('CommonJS consumers', () => {
  it('a CommonJS app can require() every ramflow package and serve the toolbar', () => {
    const output = execFileSync(process.execPath, ['app.cjs'], {
      cwd: fixture,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const checks = JSON.parse(output.trim().split('\n').pop() as string) as Record<string, unknown>;
    for (const [name, ok] of Object.entries(checks)) assert.equal(ok, true, `${name}: ${String(ok)}`);
  });

  it('a TypeScript project with module: commonjs type-checks against the packages', () => {
    // Throws (with tsc's diagnostics) on any type error.
    execFileSync(process.execPath, [tsc, '-p', join(fixture, 'tsconfig.json')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
  });
});
