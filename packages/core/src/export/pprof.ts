import { gzipSync } from 'node:zlib';
import {
  Line,
  Location,
  Function as PprofFunction,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { CumulativeRounder } from '../profile/cumulative-rounder.js';
import type { AllocationProfile, ProfileTreeNode } from '../types.js';

/**
 * The profile as a gzipped pprof protobuf (`go tool pprof`, pprof.me, Grafana Pyroscope). Sample types are
 * `objects`/`count` (samples taken) and `space`/`bytes` (estimated bytes, the default); the period is the
 * sampling interval in bytes. Each frame is one function and one location (id = frame index + 1); each tree
 * node with own bytes is one sample whose stack is leaf first and leaves out the synthetic root (a root with own
 * bytes is its own one-frame stack). Bytes are integers rounded with a carried error, so they add up to the
 * profile's `totalBytes` (rounded). The profile's notes become comments.
 */
export function toPprof(profile: AllocationProfile): Buffer {
  const strings = new StringTable();
  const locationId = (frame: number): number => frame + 1;
  const functions = profile.frames.map(
    (frame, index) =>
      new PprofFunction({
        id: locationId(index),
        name: strings.dedup(frame.name),
        systemName: strings.dedup(frame.name),
        filename: strings.dedup(frame.url),
        startLine: frame.line,
      }),
  );
  const locations = profile.frames.map(
    (frame, index) =>
      new Location({
        id: locationId(index),
        line: [new Line({ functionId: locationId(index), line: frame.line, column: frame.column })],
      }),
  );

  const samples: Sample[] = [];
  const rounder = new CumulativeRounder();
  const stack: number[] = [];
  const visit = (node: ProfileTreeNode, isRoot: boolean): void => {
    if (!isRoot) stack.push(locationId(node.frame));
    const bytes = rounder.next(node.selfBytes);
    if (node.selfBytes > 0) {
      const leafFirst = isRoot ? [locationId(node.frame)] : stack.toReversed();
      samples.push(new Sample({ locationId: leafFirst, value: [node.samples, bytes] }));
    }
    for (const child of node.children) visit(child, false);
    if (!isRoot) stack.pop();
  };
  visit(profile.root, true);

  const space = new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') });
  const encoded = new Profile({
    sampleType: [new ValueType({ type: strings.dedup('objects'), unit: strings.dedup('count') }), space],
    sample: samples,
    location: locations,
    function: functions,
    periodType: space,
    period: Math.round(profile.samplingInterval),
    defaultSampleType: strings.dedup('space'),
    comment: [`ramflow ${profile.view} allocations`, ...profile.notes].map((note) => strings.dedup(note)),
    stringTable: strings,
  }).encode();
  return gzipSync(encoded);
}
