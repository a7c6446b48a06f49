/**
 * The profile exports read back by their formats' own rules: Chrome's .heapprofile shape and sums, pprof decoded
 * with pprof-format, speedscope validated against speedscope's published JSON schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { Profile } from 'pprof-format';
import { type HeapProfile, type HeapProfileNode, toHeapProfile } from '../../src/export/heapprofile.js';
import { toPprof } from '../../src/export/pprof.js';
import { toSpeedscope } from '../../src/export/speedscope.js';
import { at, buildProfile, nodesOf, typicalProfile } from '../helpers/profiles.js';

/** Own bytes that are not whole numbers, as estimates scaled by the sampling rate can be. */
function fractionalProfile() {
  return buildProfile({ a: {}, b: {}, c: {}, d: {} }, [
    at('a', 33.3, at('b', 33.3), at('c', 0.4, at('d', 0.4))),
    at('b', 32.6),
  ]);
}

function heapNodes(node: HeapProfileNode): HeapProfileNode[] {
  return [node, ...node.children.flatMap(heapNodes)];
}

describe('toHeapProfile', () => {
  test('Chrome DevTools shape: call frames 0-based, unique positive ids, one sample per node with own bytes', () => {
    const profile = typicalProfile();
    const document = JSON.parse(toHeapProfile(profile)) as HeapProfile;
    assert.deepEqual(Object.keys(document).sort(), ['head', 'samples']);
    const nodes = heapNodes(document.head);
    assert.equal(nodes.length, nodesOf(profile.root).length);
    const ids = nodes.map((node) => node.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => Number.isInteger(id) && id > 0));
    assert.equal(document.head.callFrame.functionName, '(root)');
    for (const node of nodes) {
      assert.deepEqual(Object.keys(node).sort(), ['callFrame', 'children', 'id', 'selfSize']);
      assert.equal(typeof node.callFrame.scriptId, 'string');
      assert.ok(Number.isInteger(node.selfSize));
    }
    const handler = nodes.find((node) => node.callFrame.functionName === 'handleRequest');
    assert.deepEqual(handler?.callFrame, {
      functionName: 'handleRequest',
      scriptId: '0',
      url: 'file:///srv/app/src/routes/home.js',
      lineNumber: 11,
      columnNumber: 4,
    });
    const native = nodes.find((node) => node.callFrame.functionName === 'JSON.stringify');
    assert.equal(native?.callFrame.lineNumber, -1);
    assert.equal(native?.callFrame.columnNumber, -1);

    assert.equal(document.samples.length, nodes.filter((node) => node.selfSize > 0).length);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    document.samples.forEach((sample, index) => {
      assert.equal(sample.ordinal, index + 1);
      assert.equal(byId.get(sample.nodeId)?.selfSize, sample.size);
    });
  });

  test('samples and self sizes each add up to totalBytes, also when own bytes are fractional', () => {
    for (const profile of [typicalProfile(), fractionalProfile()]) {
      const document = JSON.parse(toHeapProfile(profile)) as HeapProfile;
      const expected = Math.round(profile.totalBytes);
      assert.equal(
        document.samples.reduce((sum, sample) => sum + sample.size, 0),
        expected,
      );
      assert.equal(
        heapNodes(document.head).reduce((sum, node) => sum + node.selfSize, 0),
        expected,
      );
      assert.ok(document.samples.every((sample) => Number.isInteger(sample.size) && sample.size >= 0));
    }
  });
});

describe('toPprof', () => {
  const decode = (buffer: Buffer) => Profile.decode(gunzipSync(buffer));

  test('gzipped protobuf with objects/count and space/bytes sample types and a space/bytes period', () => {
    const profile = typicalProfile();
    const buffer = toPprof(profile);
    assert.ok(Buffer.isBuffer(buffer));
    assert.deepEqual([...buffer.subarray(0, 2)], [0x1f, 0x8b]);
    const decoded = decode(buffer);
    const text = (index: unknown) => decoded.stringTable.strings[Number(index)];
    assert.deepEqual(
      decoded.sampleType.map((type) => [text(type.type), text(type.unit)]),
      [
        ['objects', 'count'],
        ['space', 'bytes'],
      ],
    );
    assert.equal(text(decoded.periodType?.type), 'space');
    assert.equal(text(decoded.periodType?.unit), 'bytes');
    assert.equal(Number(decoded.period), profile.samplingInterval);
    assert.ok(decoded.comment.map(text).includes('a note for the reader'));
  });

  test('one sample per node with own bytes: stacks leaf first, values [samples, bytes] adding up to the totals', () => {
    const profile = typicalProfile();
    const decoded = decode(toPprof(profile));
    const text = (index: unknown) => decoded.stringTable.strings[Number(index)];
    const functionName = new Map(decoded.function.map((fn) => [Number(fn.id), text(fn.name)]));
    const locationName = new Map(
      decoded.location.map((location) => [
        Number(location.id),
        functionName.get(Number(location.line[0]?.functionId)),
      ]),
    );
    assert.deepEqual([...functionName.values()].sort(), profile.frames.map((frame) => frame.name).sort());
    const stacks = decoded.sample.map((sample) =>
      sample.locationId.map((id) => locationName.get(Number(id))),
    );
    assert.equal(decoded.sample.length, 7);
    assert.deepEqual(
      stacks.find((stack) => stack[0] === 'onChunk'),
      ['onChunk', 'Buffer.from', 'query', 'handleRequest'],
    );
    assert.deepEqual(
      stacks.find((stack) => stack[0] === 'handleRequest'),
      ['handleRequest'],
    );
    const bytes = decoded.sample.reduce((sum, sample) => sum + Number(sample.value[1]), 0);
    const samples = decoded.sample.reduce((sum, sample) => sum + Number(sample.value[0]), 0);
    assert.equal(bytes, profile.totalBytes);
    assert.equal(samples, profile.sampleCount);
    const onChunkLine = decoded.location.find(
      (location) => locationName.get(Number(location.id)) === 'onChunk',
    )?.line[0];
    assert.equal(Number(onChunkLine?.line), 7);
  });

  test('fractional own bytes are rounded without losing the total', () => {
    const profile = fractionalProfile();
    const decoded = decode(toPprof(profile));
    const bytes = decoded.sample.reduce((sum, sample) => sum + Number(sample.value[1]), 0);
    assert.equal(bytes, Math.round(profile.totalBytes));
  });
});

describe('toSpeedscope', () => {
  const schema = JSON.parse(
    readFileSync(
      new URL('../../../../node_modules/speedscope/dist/release/file-format-schema.json', import.meta.url),
      'utf8',
    ),
  ) as object;
  const validate = new Ajv({ allErrors: true }).compile(schema);

  test('validates against speedscope’s file-format schema', () => {
    for (const profile of [typicalProfile(), fractionalProfile(), buildProfile({}, [])]) {
      const file = toSpeedscope(profile, 'GET /products?page=2');
      assert.ok(validate(file), JSON.stringify(validate.errors));
    }
  });

  test('one sampled profile in bytes: stacks root first without (root), weights adding up to totalBytes', () => {
    const profile = typicalProfile();
    const file = toSpeedscope(profile, 'GET /');
    assert.equal(file.$schema, 'https://www.speedscope.app/file-format-schema.json');
    assert.equal(file.exporter, 'ramflow');
    assert.equal(file.activeProfileIndex, 0);
    assert.equal(file.profiles.length, 1);
    const [sampled] = file.profiles;
    assert.equal(sampled?.type, 'sampled');
    assert.equal(sampled?.unit, 'bytes');
    assert.equal(sampled?.startValue, 0);
    assert.equal(sampled?.endValue, profile.totalBytes);
    assert.equal(
      sampled?.weights.reduce((sum, weight) => sum + weight, 0),
      profile.totalBytes,
    );
    assert.equal(sampled?.samples.length, sampled?.weights.length);
    const names = sampled?.samples.map((stack) => stack.map((index) => file.shared.frames[index]?.name));
    assert.ok(names?.every((stack) => stack[0] === 'handleRequest'));
    assert.deepEqual(
      names?.find((stack) => stack.at(-1) === 'onChunk'),
      ['handleRequest', 'query', 'Buffer.from', 'onChunk'],
    );
    assert.ok(file.shared.frames.every((frame) => frame.name !== '(root)'));
    assert.deepEqual(
      file.shared.frames.find((frame) => frame.name === 'query'),
      { name: 'query', file: 'file:///srv/app/node_modules/pg/lib/client.js', line: 300, col: 9 },
    );
    assert.deepEqual(
      file.shared.frames.find((frame) => frame.name === 'JSON.stringify'),
      { name: 'JSON.stringify' },
    );
  });

  test('fractional weights are rounded without losing the total', () => {
    const profile = fractionalProfile();
    const sampled = toSpeedscope(profile, 'x').profiles[0];
    assert.equal(
      sampled?.weights.reduce((sum, weight) => sum + weight, 0),
      Math.round(profile.totalBytes),
    );
    assert.ok(sampled?.weights.every((weight) => Number.isInteger(weight)));
  });
});

describe('bytes at the root itself', () => {
  // A root with own bytes (after hideFrames, or from a backend) must not lose them in any format.
  const profile = buildProfile({ a: {} }, [at('a', 10)], { rootSelf: 5 });

  test('every export keeps them, so the sums still match', () => {
    const heap = JSON.parse(toHeapProfile(profile)) as HeapProfile;
    assert.equal(heap.head.selfSize, 5);
    assert.equal(
      heap.samples.reduce((sum, sample) => sum + sample.size, 0),
      15,
    );
    const decoded = Profile.decode(gunzipSync(toPprof(profile)));
    assert.equal(
      decoded.sample.reduce((sum, sample) => sum + Number(sample.value[1]), 0),
      15,
    );
    assert.ok(decoded.sample.every((sample) => sample.locationId.length > 0));
    const file = toSpeedscope(profile, 'root bytes');
    const sampled = file.profiles[0];
    assert.equal(
      sampled?.weights.reduce((sum, weight) => sum + weight, 0),
      15,
    );
    assert.ok(sampled?.samples.every((stack) => stack.length > 0));
  });
});
