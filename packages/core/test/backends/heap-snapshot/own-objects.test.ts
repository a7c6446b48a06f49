/**
 * A heap snapshot diff leaves out ramflow's own objects (issue 15 item 4): what its code created and holds, what
 * only that holds, and what only the request's own req/res hold. Checked on real V8 snapshots of a child process
 * in which a stand-in for ramflow (a module in a directory named as ramflow's code) keeps records, waiters, a
 * suspended async function, a timer and a performance observer, next to an app that keeps objects of its own.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { edgeStarts } from '../../../src/backends/heap-snapshot/dominators.js';
import { graphFromSnapshotJson, type HeapSnapshotGraph } from '../../../src/backends/heap-snapshot/graph.js';
import { diffNewObjects, maxJsObjectId } from '../../../src/backends/heap-snapshot/heap-diff.js';
import {
  IN_FLIGHT_KEY,
  markOwnObjects,
  OWN,
  OWN_HANDLES_KEY,
  ownScriptMatcher,
} from '../../../src/backends/heap-snapshot/own-objects.js';

/** The stand-in for ramflow: its classes, its async work, its timer and observer. */
const TOOL = `
const { PerformanceObserver } = require('node:perf_hooks');
class ToolWindow { constructor(id) { this.id = id; this.samples = [{ at: id }, { at: id + 1 }]; } }
class ToolService {
  constructor() { this.windows = new Map(); this.waiters = []; }
  open(id) { const w = new ToolWindow(id); this.windows.set(id, w); return w; }
  wait() { return new Promise((resolve) => this.waiters.push({ resolve, label: 'waiter' })); }
}
async function pending(service) { await service.wait(); return 1; }
function start(service) {
  service.timer = setTimeout(function toolTimer() {}, 600000);
  service.observer = new PerformanceObserver(function toolObserver() {});
  service.observer.observe({ entryTypes: ['mark'] });
  service.running = pending(service);
}
const remembered = new Map();
function remember(key) { remembered.set(key, { key, at: Date.now() }); }
module.exports = { ToolService, start, remember };
`;

interface Pair {
  before: HeapSnapshotGraph;
  after: HeapSnapshotGraph;
  toolDir: string;
}

async function snapshots(dir: string, scenario: string): Promise<Pair> {
  const toolDir = join(dir, 'node_modules', 'tool', 'dist');
  await mkdir(toolDir, { recursive: true });
  await writeFile(join(toolDir, 'index.js'), TOOL);
  const script = [
    "const { writeHeapSnapshot } = require('node:v8');",
    "const tool = require('tool/dist/index.js');",
    'globalThis.service = new tool.ToolService();',
    `writeHeapSnapshot(${JSON.stringify(join(dir, 'before.heapsnapshot'))});`,
    `(() => {\n${scenario}\n})();`,
    `writeHeapSnapshot(${JSON.stringify(join(dir, 'after.heapsnapshot'))});`,
    'process.exit(0);',
  ].join('\n');
  await writeFile(join(dir, 'app.js'), script);
  await promisify(execFile)(process.execPath, [join(dir, 'app.js')], { cwd: dir });
  const read = async (name: string) =>
    graphFromSnapshotJson(JSON.parse(await readFile(join(dir, name), 'utf8')));
  return { before: await read('before.heapsnapshot'), after: await read('after.heapsnapshot'), toolDir };
}

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ramflow-own-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SCENARIO = `
class AppEntry { constructor(i) { this.i = i; } }
globalThis.appKept = [];
for (let i = 0; i < 200; i++) appKept.push(new AppEntry(i));
// ramflow's records and windows, and an app object only ramflow's window holds.
for (let i = 0; i < 50; i++) service.open(i);
service.windows.get(0).appObject = new AppEntry(-1);
require('tool/dist/index.js').start(service);
// ramflow's module-level state, and an inspector session Node holds natively (listed as ramflow's).
for (let i = 0; i < 20; i++) require('tool/dist/index.js').remember('k' + i);
const { Session } = require('node:inspector');
const session = new Session();
session.connect();
globalThis[Symbol.for(${JSON.stringify(OWN_HANDLES_KEY)})] = [session];
// An app object both hold: listed, with a path through the app.
const shared = new AppEntry(-2);
globalThis.appShared = shared;
service.windows.get(1).shared = shared;
// The request's own req/res stand-ins, and what only they hold.
class FakeRequest { constructor() { this.params = { id: '1' }; } }
globalThis[Symbol.for(${JSON.stringify(IN_FLIGHT_KEY)})] = [new FakeRequest()];
`;

describe("ramflow's own objects in a heap snapshot diff", () => {
  test('its classes, closures, suspended async functions, timers and observers are marked', async () => {
    await withDir(async (dir) => {
      const { after, toolDir } = await snapshots(dir, SCENARIO);
      const { own, count } = markOwnObjects(after, edgeStarts(after), ownScriptMatcher([toolDir]));
      assert.ok(count > 0);
      const layoutWidth = after.nodeFields.length;
      const nameAt = after.nodeFields.indexOf('name');
      const typeAt = after.nodeFields.indexOf('type');
      const marked = new Set<string>();
      for (let node = 0; node < after.nodeCount; node++) {
        if (own[node] !== OWN) continue;
        const type = after.nodeTypes[after.nodes[node * layoutWidth + typeAt] as number];
        marked.add(`${type}:${after.strings[after.nodes[node * layoutWidth + nameAt] as number]}`);
      }
      for (const expected of [
        'object:ToolService',
        'object:ToolWindow',
        'closure:ToolService',
        'closure:pending',
        'object:Timeout',
        'object:PerformanceObserver',
      ])
        assert.ok(marked.has(expected), `${expected} among ${[...marked].slice(0, 40).join(', ')}`);
      assert.ok(!marked.has('object:AppEntry'), "the app's objects are not ramflow's");
    });
  });

  test("the diff lists the app's objects only, and paths avoid ramflow", async () => {
    await withDir(async (dir) => {
      const { before, after, toolDir } = await snapshots(dir, SCENARIO);
      const beforeMax = maxJsObjectId(before);
      const everything = diffNewObjects(after, beforeMax);
      const names = (diff: typeof everything) => diff.newObjects.map((group) => group.constructorName);
      assert.ok(names(everything).includes('ToolWindow'), 'without ownCode, ramflow shows (as before)');

      const diff = diffNewObjects(after, beforeMax, { ownCode: [toolDir], appView: true });
      const kept = everything.newObjects.find((group) => group.constructorName === 'Session');
      assert.ok(kept, 'the session is new, and Node holds it');
      for (const name of [
        'ToolWindow',
        'ToolService',
        'Timeout',
        'PerformanceObserver',
        'FakeRequest',
        'Session',
      ])
        assert.ok(!names(diff).includes(name), `${name} left out: ${names(diff).join(', ')}`);
      const app = diff.newObjects.find((group) => group.constructorName === 'AppEntry');
      // 200 kept by the app and the one both hold; not the one only ramflow's window holds.
      assert.equal(app?.count, 201);
      const objects = diff.newObjects.find((group) => group.constructorName === 'Object');
      assert.ok(
        (objects?.count ?? 0) < 20,
        `ramflow's module-level Map entries are ramflow's (${objects?.count ?? 0} plain objects listed)`,
      );
      for (const path of app?.paths ?? [])
        assert.ok(
          path.steps.every((step) => !step.name.startsWith('Tool')),
          path.steps.map((step) => `${step.name}.${step.edge}`).join(' → '),
        );
      assert.ok(diff.ownObjects && diff.ownObjects.count >= 50 * 3, JSON.stringify(diff.ownObjects));
      assert.ok(diff.notes.some((note) => /belong to ramflow/.test(note)));
      assert.ok(diff.notes.some((note) => /request's own request and response/.test(note)));
      assert.ok(diff.engineObjects !== undefined);
      assert.ok(
        diff.newObjects.every((group) => !['code', 'hidden', 'object shape'].includes(group.type)),
        "V8's own structures are counted apart",
      );
    });
  });

  test('script names match by directory, as paths or file URLs', () => {
    const matches = ownScriptMatcher(['/app/node_modules/x/dist/', 'file:///srv/ramflow/packages/core/src']);
    assert.equal(matches('/app/node_modules/x/dist/index.js'), true);
    assert.equal(matches('file:///app/node_modules/x/dist/chunk.mjs'), true);
    assert.equal(matches('file:///srv/ramflow/packages/core/src/ramflow.ts'), true);
    assert.equal(matches('file:///srv/ramflow/packages/core/test/x.test.ts'), false);
    assert.equal(matches('/app/node_modules/@ramflow/express/dist/index.mjs'), true);
    assert.equal(matches('/app/src/server.js'), false);
    assert.equal(matches(''), false);
  });
});
