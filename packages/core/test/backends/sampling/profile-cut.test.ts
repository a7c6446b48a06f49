// cutProfile: boundary markers found in one epoch's sampling profile cut it into request windows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARKER_SLOTS } from '../../../src/backends/sampling/boundary-markers.js';
import {
  type BoundaryEvent,
  cutProfile,
  type RawProfile,
  type WindowCut,
} from '../../../src/backends/sampling/profile-cut.js';
import { ProfileTreeBuilder } from '../../../src/backends/sampling/profile-tree.js';

const frame = (functionName: string, url = 'file:///app/server.js') => ({
  functionName,
  scriptId: '1',
  url,
  lineNumber: 1,
  columnNumber: 1,
});

/**
 * A profile whose head has one child per function (markers call an `allocate` helper, as the real ones do),
 * and a sample list given in ordinal order as function names: `M3` is marker slot 3, anything else an app
 * function.
 */
function profileOf(sequence: string[]): RawProfile {
  const ids = new Map<string, number>();
  const children: RawProfile['head']['children'] = [];
  let nextId = 2;
  const nodeFor = (name: string): number => {
    const known = ids.get(name);
    if (known !== undefined) return known;
    const id = nextId++;
    if (name.startsWith('M')) {
      const helper = nextId++;
      children.push({
        callFrame: frame(`ramflowBoundaryMarker${name.slice(1)}`, 'file:///ramflow/index.mjs'),
        selfSize: 0,
        id,
        children: [
          {
            callFrame: frame('allocate', 'file:///ramflow/index.mjs'),
            selfSize: 0,
            id: helper,
            children: [],
          },
        ],
      });
      ids.set(name, helper);
      return helper;
    }
    children.push({ callFrame: frame(name), selfSize: 0, id, children: [] });
    ids.set(name, id);
    return id;
  };
  const samples = sequence.map((name, i) => ({ size: 1000, nodeId: nodeFor(name), ordinal: i + 1 }));
  return { head: { callFrame: frame('(root)', ''), selfSize: 0, id: 1, children }, samples };
}

function events(count: number, epoch = 1): BoundaryEvent[] {
  return Array.from({ length: count }, (_, seq) => ({
    seq,
    slot: seq % MARKER_SLOTS,
    epoch,
    state: 'pending' as const,
    index: -1,
    before: -1,
    after: -1,
  }));
}

function windowOf(open: BoundaryEvent, close: BoundaryEvent): WindowCut {
  return { open, close, builder: new ProfileTreeBuilder(), failed: undefined, notes: [] };
}

/** Function names of a window's samples, with their sample counts. */
function namesIn(window: WindowCut): Record<string, number> {
  const profile = window.builder.build('allocated', 32_768, window.notes);
  const out: Record<string, number> = {};
  const visit = (node: typeof profile.root): void => {
    if (node.samples > 0) out[profile.frames[node.frame]?.name ?? '?'] = node.samples;
    for (const child of node.children) visit(child);
  };
  visit(profile.root);
  return out;
}

describe('cutProfile', () => {
  it('gives each window the samples strictly between its markers, markers excluded', () => {
    const marks = events(4);
    const [a0, a1, b0, b1] = marks as [BoundaryEvent, BoundaryEvent, BoundaryEvent, BoundaryEvent];
    const a = windowOf(a0, a1);
    const b = windowOf(b0, b1);
    const profile = profileOf([
      'before',
      'M0',
      'M0',
      'handlerA',
      'handlerA',
      'M1',
      'between',
      'M2',
      'handlerB',
      'M3',
      'after',
    ]);
    const outcome = cutProfile(profile, 1, marks, [a, b]);
    assert.deepEqual([outcome.markersFound, outcome.markersMissed], [4, 0]);
    assert.deepEqual(namesIn(a), { handlerA: 2 });
    assert.deepEqual(namesIn(b), { handlerB: 1 });
    assert.deepEqual(a.notes, []);
  });

  it("reads a marker's samples split by another sample as one boundary, not as seven missed ones", () => {
    // Seen in a server under load: V8 ordered one request sample among an 8 MiB marker's samples.
    const marks = events(4);
    const [a0, a1, b0, b1] = marks as [BoundaryEvent, BoundaryEvent, BoundaryEvent, BoundaryEvent];
    const a = windowOf(a0, a1);
    const b = windowOf(b0, b1);
    const profile = profileOf(['M0', 'other', 'M0', 'handlerA', 'M1', 'M2', 'handlerB', 'handlerB', 'M3']);
    const outcome = cutProfile(profile, 1, marks, [a, b]);
    assert.deepEqual([outcome.markersFound, outcome.markersMissed], [4, 0]);
    assert.ok(marks.every((event) => event.state === 'found'));
    assert.deepEqual(namesIn(a), { other: 1, handlerA: 1 });
    assert.deepEqual(namesIn(b), { handlerB: 2 });
    assert.deepEqual(b.notes, []);
  });

  it('widens the window of a marker that was not sampled to the nearest boundary found, and says so', () => {
    const marks = events(4);
    const [a0, a1, b0, b1] = marks as [BoundaryEvent, BoundaryEvent, BoundaryEvent, BoundaryEvent];
    const a = windowOf(a0, a1);
    const b = windowOf(b0, b1);
    // b's opening marker (slot 2) was not sampled.
    const profile = profileOf(['M0', 'handlerA', 'M1', 'between', 'handlerB', 'M3']);
    const outcome = cutProfile(profile, 1, marks, [a, b]);
    assert.deepEqual([outcome.markersFound, outcome.markersMissed], [3, 1]);
    assert.equal(b0.state, 'missed');
    assert.deepEqual(namesIn(a), { handlerA: 1 });
    assert.deepEqual(namesIn(b), { between: 1, handlerB: 1 });
    assert.match(b.notes.join(' '), /boundary markers was not sampled/);
  });
});
