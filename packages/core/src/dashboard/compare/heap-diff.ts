/** The compare page's "new live objects" table: each side's heap snapshot diff by class, matched, B − A. */
import { formatBytes } from '../../format.js';
import type { HeapObjectGroup, RequestRecord } from '../../types.js';
import { bytesDiff, countDiff } from './cells.js';
import { noHeap } from './unavailable.js';
import type { CompareSection, HeapGroupDiffRow } from './view.js';

/** Heap-object classes shown, largest retained change first. */
const TOP_GROUPS = 25;

/** New live objects by class in both heap diffs, B − A. */
export function heapDiff(a: RequestRecord, b: RequestRecord): CompareSection<HeapGroupDiffRow> {
  const aHeap = a.heap;
  const bHeap = b.heap;
  if (aHeap === undefined || bHeap === undefined) {
    return {
      available: false,
      reasons: [
        ...(aHeap === undefined ? [`A: n/a: ${noHeap(a)}`] : []),
        ...(bHeap === undefined ? [`B: n/a: ${noHeap(b)}`] : []),
      ],
    };
  }
  const key = (group: HeapObjectGroup) => `${group.constructorName}\u0000${group.type}`;
  const aGroups = new Map(aHeap.newObjects.map((group) => [key(group), group]));
  const bGroups = new Map(bHeap.newObjects.map((group) => [key(group), group]));
  const keys = new Set([...aGroups.keys(), ...bGroups.keys()]);
  const rows = [...keys].map((k) => {
    const inA = aGroups.get(k);
    const inB = bGroups.get(k);
    const group = (inA ?? inB) as HeapObjectGroup;
    const retained = (inB?.retainedBytes ?? 0) - (inA?.retainedBytes ?? 0);
    const diff = bytesDiff(retained);
    return {
      sort: Math.abs(retained),
      row: {
        name: group.constructorName,
        type: group.type,
        aCount: String(inA?.count ?? 0),
        bCount: String(inB?.count ?? 0),
        countDiff: countDiff((inB?.count ?? 0) - (inA?.count ?? 0)).diff,
        aRetained: formatBytes(inA?.retainedBytes ?? 0),
        bRetained: formatBytes(inB?.retainedBytes ?? 0),
        retainedDiff: diff.diff,
        direction: diff.direction,
      } satisfies HeapGroupDiffRow,
    };
  });
  rows.sort((x, y) => y.sort - x.sort || x.row.name.localeCompare(y.row.name));
  const notes = [
    'New objects still alive after each request, by class, matched by class name and type; largest change of retained size first.',
  ];
  if (rows.length > TOP_GROUPS)
    notes.push(`${rows.length - TOP_GROUPS} classes with smaller changes are not shown.`);
  for (const [label, heap] of [
    ['A', aHeap],
    ['B', bHeap],
  ] as const) {
    if (heap.omitted !== undefined && heap.omitted.groups > 0)
      notes.push(
        `${label}'s record merged ${heap.omitted.groups} small classes (${heap.omitted.count} objects, ${formatBytes(heap.omitted.selfBytes)}); they are not compared.`,
      );
  }
  return { available: true, rows: rows.slice(0, TOP_GROUPS).map((entry) => entry.row), notes };
}
