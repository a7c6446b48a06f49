/** The compare page's "allocations by function" table: self bytes per function on each side, matched, B − A. */
import { formatBytes } from '../../format.js';
import { formatLocation, topFunctions } from '../../profile/views.js';
import type { AllocationProfile, FrameKind, FunctionRow, RequestRecord } from '../../types.js';
import { bytesDiff, cell, MORE } from './cells.js';
import { noAllocations } from './unavailable.js';
import type { CompareCell, CompareSection, FunctionDiffRow } from './view.js';

/** Functions taken from each side's ranking before they are matched (the table has at most twice this). */
const TOP_FUNCTIONS = 15;
/** As the Allocations panel: Node.js internals and ramflow's own frames are hidden; their bytes count in callers. */
const HIDDEN: ReadonlySet<FrameKind> = new Set<FrameKind>(['node', 'ramflow']);

/** The functions ranked by self bytes on either side, matched by name, script and line, B − A. */
export function functionDiff(a: RequestRecord, b: RequestRecord): CompareSection<FunctionDiffRow> {
  const aProfile = a.allocations;
  const bProfile = b.allocations;
  if (aProfile === undefined || bProfile === undefined) {
    return {
      available: false,
      reasons: [
        ...(aProfile === undefined ? [`A: n/a: ${noAllocations(a)}`] : []),
        ...(bProfile === undefined ? [`B: n/a: ${noAllocations(b)}`] : []),
      ],
    };
  }
  const aRows = bySelf(aProfile);
  const bRows = bySelf(bProfile);
  const keys = new Set<string>();
  for (const key of [...aRows.keys()].slice(0, TOP_FUNCTIONS)) keys.add(key);
  for (const key of [...bRows.keys()].slice(0, TOP_FUNCTIONS)) keys.add(key);
  const rows = [...keys].map((key) => {
    const inA = aRows.get(key);
    const inB = bRows.get(key);
    const frame = (inA ?? inB)?.frame;
    const delta = (inB?.selfBytes ?? 0) - (inA?.selfBytes ?? 0);
    return {
      sort: Math.abs(delta),
      size: Math.max(inA?.selfBytes ?? 0, inB?.selfBytes ?? 0),
      row: {
        name: frame?.name ?? '(unknown)',
        location: frame === undefined ? '' : formatLocation(frame),
        kind: frame?.kind ?? 'app',
        a: inA === undefined ? notSampled('A', aProfile) : cell(formatBytes(inA.selfBytes)),
        b: inB === undefined ? notSampled('B', bProfile) : cell(formatBytes(inB.selfBytes)),
        ...bytesDiff(delta, MORE, '~'),
      } satisfies FunctionDiffRow,
    };
  });
  rows.sort((x, y) => y.sort - x.sort || y.size - x.size || x.row.name.localeCompare(y.row.name));
  const notes = [
    `Functions among the top ${TOP_FUNCTIONS} by self bytes in A or in B, matched by name, script and line; largest change first. Node.js internals and ramflow's own frames are hidden (their bytes count in their callers).`,
  ];
  if (aProfile.view !== bProfile.view)
    notes.push(
      `A shows ${aProfile.view} bytes and B ${bProfile.view} bytes: the two are not the same measure.`,
    );
  return { available: true, rows: rows.map((entry) => entry.row), notes };
}

/** The cell of a function one side's profile has no sample in. */
function notSampled(label: string, profile: AllocationProfile): CompareCell {
  return {
    text: 'not sampled',
    title: `no sample landed in it in ${label}'s profile: it allocated less than about ${formatBytes(profile.samplingInterval)} there, or did not run`,
    na: false,
  };
}

/** A profile's functions by self bytes, keyed by name, script and line (column left out: it moves with edits). */
function bySelf(profile: AllocationProfile): Map<string, FunctionRow> {
  const rows = new Map<string, FunctionRow>();
  for (const row of topFunctions(profile, { by: 'self', hide: HIDDEN })) {
    const key = `${row.frame.name}\u0000${row.frame.url}\u0000${row.frame.line}`;
    const existing = rows.get(key);
    // Two frames can share name, script and line (different columns): add them up.
    if (existing === undefined) rows.set(key, { ...row });
    else {
      existing.selfBytes += row.selfBytes;
      existing.totalBytes += row.totalBytes;
    }
  }
  return new Map([...rows].sort((x, y) => y[1].selfBytes - x[1].selfBytes));
}
