/**
 * Templates.asset: flamegraph.js is assembled from templates/assets/flamegraph/ (each part once, in order,
 * cached, the parts not served by name), and its byte formatters are format.ts's own.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runInNewContext, Script } from 'node:vm';
import { formatBytes, formatSignedBytes } from '../../src/format.js';
import {
  assembleFlameGraph,
  FLAME_GRAPH_PARTS,
  functionSource,
  Templates,
  templatesDir,
} from '../../src/toolbar/templates.js';

const partText = (name: string) =>
  readFileSync(join(templatesDir(), 'assets', 'flamegraph', name), 'utf8').trimEnd();

/** A copy of the templates folder, to change its parts. */
function copyOfTemplates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ramflow-templates-'));
  cpSync(templatesDir(), dir, { recursive: true });
  copies.push(dir);
  return dir;
}
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('flamegraph.js, assembled from its parts', () => {
  const templates = new Templates();
  const script = templates.asset('flamegraph.js') as string;

  it('holds every part once, in FLAME_GRAPH_PARTS order, inside one closure', () => {
    assert.equal(typeof script, 'string');
    const folder = readdirSync(join(templatesDir(), 'assets', 'flamegraph')).sort();
    assert.deepEqual(folder, [...FLAME_GRAPH_PARTS].sort(), 'every file of the folder is a listed part');
    let from = 0;
    for (const name of FLAME_GRAPH_PARTS) {
      const text = partText(name);
      const at = script.indexOf(text);
      assert.ok(at >= from, `${name} is in the script, after the part before it`);
      assert.equal(script.indexOf(text, at + 1), -1, `${name} is in the script once`);
      assert.ok(
        text.startsWith(`// flamegraph/${name}: `),
        `${name} starts with a header saying what it holds`,
      );
      assert.ok(text.split('\n').length <= 300, `${name} is under 300 lines`);
      from = at + text.length;
    }
    assert.match(script, /^\/\/ ramflow flame graph[^\n]*\n(?:\/\/[^\n]*\n)*\(\(\) => \{\n/);
    assert.ok(script.endsWith('\n})();\n'));
    assert.doesNotThrow(() => new Script(script, { filename: 'flamegraph.js' }), 'it is one valid script');
  });

  it('is assembled once and then served from the cache', () => {
    assert.equal(templates.asset('flamegraph.js'), script);
    const dir = copyOfTemplates();
    const copy = new Templates(dir);
    const first = copy.asset('flamegraph.js');
    writeFileSync(join(dir, 'assets', 'flamegraph', 'mount.js'), '// changed\n');
    assert.equal(copy.asset('flamegraph.js'), first);
    assert.match(assembleFlameGraph(dir), /\/\/ changed\n/, 'a new assembly reads the parts again');
  });

  it('names a missing part', () => {
    const dir = copyOfTemplates();
    rmSync(join(dir, 'assets', 'flamegraph', 'views.js'));
    assert.throws(() => new Templates(dir).asset('flamegraph.js'), /flamegraph\.js part views\.js not found/);
  });

  it('does not serve the parts by name, nor any path', () => {
    const assets = readdirSync(join(templatesDir(), 'assets'));
    assert.ok(!existsSync(join(templatesDir(), 'assets', 'flamegraph.js')), 'no second copy on disk');
    for (const name of FLAME_GRAPH_PARTS) {
      assert.ok(!assets.includes(name), `${name} is not also an asset's name`);
      assert.equal(templates.asset(name), undefined);
      assert.equal(templates.asset(`flamegraph/${name}`), undefined);
    }
    for (const name of [
      'flamegraph',
      'flamegraph/',
      '../toolbar.hbs',
      'flamegraph%2Fmount.js',
      'Flamegraph.js',
    ])
      assert.equal(templates.asset(name), undefined, name);
    assert.equal(
      templates.asset('toolbar.js'),
      readFileSync(join(templatesDir(), 'assets', 'toolbar.js'), 'utf8'),
      'the other assets are their files',
    );
  });
});

describe("the browser's byte formatters", () => {
  const script = new Templates().asset('flamegraph.js') as string;
  // The formatters' section: from its comment to the first part. Run alone, in a context of its own, so it can
  // only use what it declares.
  const start = script.indexOf('// From src/format.ts');
  const end = script.indexOf(partText(FLAME_GRAPH_PARTS[0]));
  const section = script.slice(start, end);
  const browser = runInNewContext(`${section}\n({ formatBytes, formatSignedBytes });`) as {
    formatBytes: (bytes: number) => string;
    formatSignedBytes: (bytes: number) => string;
  };

  const values = [0, -0, 0.3, 0.5, 1, 512, 999, 999.4, 999.5, 1000, 1049, 1050, 1500, 9_949, 9_950, 9_960];
  values.push(10_400, 99_949, 99_950, 500_000, 999_499, 999_500, 999_960, 2_300_000, 1e9, 12_345_678_901);
  values.push(3e12, 999.96e12, 1e15, 1e18, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY);
  for (let exponent = 0; exponent <= 13; exponent++) {
    for (const mantissa of [1, 1.04, 1.05, 1.5, 2.345, 9.94, 9.95, 9.96, 99.5, 999.49, 999.5, 999.96]) {
      values.push(Math.round(mantissa * 10 ** exponent), mantissa * 10 ** exponent);
    }
  }
  const all = [...values, ...values.map((value) => -value)];

  it('are format.ts functions, copied', () => {
    assert.ok(start > 0 && end > start);
    assert.ok(section.includes(functionSource(formatBytes, 'formatBytes')));
    assert.ok(section.includes(functionSource(formatSignedBytes, 'formatSignedBytes')));
  });

  it('print what the server prints, negative numbers included', () => {
    for (const value of all) {
      assert.equal(browser.formatBytes(value), formatBytes(value), `formatBytes(${value})`);
      assert.equal(browser.formatSignedBytes(value), formatSignedBytes(value), `formatSignedBytes(${value})`);
    }
  });

  it('keep the name the parts call them by when a bundler renamed them', () => {
    function formatBytes$1(bytes: number): string {
      return `${bytes} B`;
    }
    const source = functionSource(formatBytes$1, 'formatBytes');
    assert.equal(runInNewContext(`${source}\nformatBytes(3);`), '3 B');
    assert.throws(() => functionSource((bytes: number) => `${bytes}`, 'formatBytes'), /formatBytes/);
  });
});
