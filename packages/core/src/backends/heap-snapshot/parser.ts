/**
 * Streaming `.heapsnapshot` parser: bytes (or inspector string chunks) in any chunking, straight into the typed arrays
 * of a HeapSnapshotGraph. `JSON.parse` needs the whole file as one string (it fails past V8's 512 MB string limit)
 * and builds JS arrays of numbers, about 5x the file in memory; this parser holds little more than the result. The
 * byte-level reading is snapshot-reader.ts's; here the numbers land in Uint32Arrays preallocated from the header's
 * counts, node records keeping only KEPT_NODE_FIELDS, and every record is checked (graph-checks.ts) while in cache.
 */

import { type HeapSnapshotGraph, KEPT_NODE_FIELDS } from './graph.js';
import { GraphChecks, type RecordVisitor } from './graph-checks.js';
import { type NumberTarget, readChunks, type SnapshotHeader, SnapshotReader } from './snapshot-reader.js';

/** Capacity (in values) of a section whose count the header does not give; the array grows from there. */
const DEFAULT_CAPACITY = 1 << 20;

/** Node records the reader writes per block: 4096 of the file's 7-field records is 112 KiB, in L2 cache. */
const NODE_BLOCK_RECORDS = 4096;

/**
 * NodeCollector's copy is unrolled for five kept fields (a loop over them cost ~25 ms more on a 200 MB file):
 * this stops compiling if KEPT_NODE_FIELDS changes length.
 */
const KEPT_COUNT: 5 = KEPT_NODE_FIELDS.length;

function allocate(key: 'nodes' | 'edges', capacity: number): Uint32Array {
  try {
    return new Uint32Array(capacity);
  } catch {
    throw new Error(
      `heap snapshot: the header's count for "${key}" (${capacity} values) is past any array's size`,
    );
  }
}

function grow(array: Uint32Array, needed: number): Uint32Array {
  const grown = new Uint32Array(Math.max(needed, 1 << 16, Math.ceil(array.length * 1.5)));
  grown.set(array);
  return grown;
}

/**
 * The `edges` section collected into one Uint32Array, sized exactly when the header's count is right (grown and
 * trimmed if not), each whole record visited once as it arrives.
 */
class EdgeCollector implements NumberTarget {
  array: Uint32Array;
  length = 0;
  private visited = 0;

  constructor(
    capacity: number,
    private readonly fieldCount: number,
    private readonly visit: RecordVisitor,
  ) {
    this.array = allocate('edges', capacity);
  }

  full(): void {
    this.array = grow(this.array, this.array.length + 1);
  }

  flush(): void {
    const to = this.length - (this.length % this.fieldCount);
    if (to > this.visited) this.visit(this.array, this.visited, to);
    this.visited = to;
  }

  values(): Uint32Array {
    if (this.length % this.fieldCount !== 0)
      throw new Error(
        `heap snapshot: "edges" holds ${this.length} values, not a multiple of ${this.fieldCount}`,
      );
    return this.length === this.array.length ? this.array : this.array.slice(0, this.length);
  }
}

/**
 * The `nodes` section, keeping only KEPT_NODE_FIELDS: the reader fills a small block with the file's records, and
 * each flush copies the kept fields of the block's whole records into `nodes` (sized exactly when the header's
 * count is right, grown and trimmed if not) and visits them, all while in cache. The dropped fields never reach
 * the result, and the number loop stays the one `edges` uses.
 */
class NodeCollector implements NumberTarget {
  /** The block the reader fills, starting at a record boundary; a whole number of the file's records. */
  array: Uint32Array;
  length = 0;
  private nodes: Uint32Array;
  private nodesLength = 0;
  /** File values before the block's start. */
  private consumed = 0;
  // Where each kept field sits in the file's records, in KEPT_NODE_FIELDS order.
  private readonly k0: number;
  private readonly k1: number;
  private readonly k2: number;
  private readonly k3: number;
  private readonly k4: number;

  constructor(
    capacity: number,
    private readonly fieldCount: number,
    kept: readonly number[],
    private readonly visit: RecordVisitor,
  ) {
    this.nodes = allocate('nodes', capacity);
    this.array = new Uint32Array(fieldCount * NODE_BLOCK_RECORDS);
    [this.k0, this.k1, this.k2, this.k3, this.k4] = kept as readonly [number, number, number, number, number];
  }

  /** A full block holds whole records only, so this leaves it empty. */
  full(): void {
    this.flush();
  }

  flush(): void {
    const { array, fieldCount, k0, k1, k2, k3, k4 } = this;
    const length = this.length;
    const whole = length - (length % fieldCount);
    if (whole === 0) return;
    const from = this.nodesLength;
    const to = from + (whole / fieldCount) * KEPT_COUNT;
    if (to > this.nodes.length) this.nodes = grow(this.nodes.subarray(0, from), to);
    const nodes = this.nodes;
    for (let i = 0, out = from; i < whole; i += fieldCount, out += KEPT_COUNT) {
      nodes[out] = array[i + k0] as number;
      nodes[out + 1] = array[i + k1] as number;
      nodes[out + 2] = array[i + k2] as number;
      nodes[out + 3] = array[i + k3] as number;
      nodes[out + 4] = array[i + k4] as number;
    }
    this.visit(nodes, from, to);
    this.nodesLength = to;
    this.consumed += whole;
    if (whole < length) array.copyWithin(0, whole, length);
    this.length = length - whole;
  }

  values(): Uint32Array {
    if (this.length !== 0)
      throw new Error(
        `heap snapshot: "nodes" holds ${this.consumed + this.length} values, not a multiple of ${this.fieldCount}`,
      );
    const { nodes, nodesLength } = this;
    return nodesLength === nodes.length ? nodes : nodes.slice(0, nodesLength);
  }
}

/**
 * Parses a V8 `.heapsnapshot` from chunks into a HeapSnapshotGraph, without ever holding the file (or any large part
 * of it) as a string, so files past V8's 512 MB string limit parse, in about the memory of the result.
 * Feed it `fs` read buffers or `HeapProfiler.addHeapSnapshotChunk` strings; buffers may be reused after `write`.
 * `snapshot` must come before `nodes` and `edges` (V8 writes it first); the other sections may come in any order.
 */
export class HeapSnapshotParser {
  private readonly reader: SnapshotReader;
  private header: SnapshotHeader | undefined;
  private checks: GraphChecks | undefined;
  private nodes: NodeCollector | undefined;
  private edges: EdgeCollector | undefined;
  private strings: string[] = [];
  private ended = false;

  constructor() {
    this.reader = new SnapshotReader({
      header: (header) => {
        this.header = header;
        this.checks = new GraphChecks(header);
      },
      numbers: (key) => {
        const { header, checks } = this;
        if (header === undefined || checks === undefined)
          throw new Error(`heap snapshot: unsupported layout: "${key}" before "snapshot"`);
        if (key === 'nodes') {
          const kept = header.keptNodeFields;
          const capacity = header.nodeCount === undefined ? DEFAULT_CAPACITY : header.nodeCount * kept.length;
          this.nodes = new NodeCollector(capacity, header.layout.nodeFieldCount, kept, checks.nodes);
          return this.nodes;
        }
        const { edgeFieldCount } = header.layout;
        const capacity =
          header.edgeCount === undefined ? DEFAULT_CAPACITY : header.edgeCount * edgeFieldCount;
        this.edges = new EdgeCollector(capacity, edgeFieldCount, checks.edges);
        return this.edges;
      },
      strings: () => {
        // V8 writes the table last, after every record that names its strings: presized from the highest name,
        // it never grows (growing by 1.5x as it filled cost ~6 MiB more peak RSS on a 200 MB file).
        const count = this.checks?.stringCountHint() ?? 0;
        this.strings = count > 0 ? new Array<string>(count) : [];
        return this.strings;
      },
    });
  }

  write(chunk: Uint8Array | string): void {
    if (this.ended) throw new Error('heap snapshot: write() after end()');
    this.reader.write(chunk);
  }

  /** Finishes the parse and checks the graph's consistency; throws on truncated or invalid input. */
  end(): HeapSnapshotGraph {
    if (this.ended) throw new Error('heap snapshot: end() called twice');
    this.ended = true;
    this.reader.end();
    for (const key of ['snapshot', 'nodes', 'edges', 'strings'])
      if (!this.reader.has(key)) throw new Error(`not a V8 heap snapshot: no "${key}"`);
    const header = this.header as SnapshotHeader;
    const checks = this.checks as GraphChecks;
    const nodes = (this.nodes as NodeCollector).values();
    const edges = (this.edges as EdgeCollector).values();
    const nodeCount = nodes.length / checks.layout.nodeFieldCount;
    const edgeCount = edges.length / checks.layout.edgeFieldCount;
    checks.finish(nodeCount, edgeCount, this.strings.length);
    return {
      nodeFields: [...KEPT_NODE_FIELDS],
      nodeTypes: header.nodeTypes,
      edgeFields: header.edgeFields,
      edgeTypes: header.edgeTypes,
      nodeCount,
      edgeCount,
      nodes,
      edges,
      strings: this.strings,
    };
  }
}

/**
 * Default read size for a parse: per-read overhead is already lost in the parse at this size, and on a 200 MB file
 * the peak RSS came out 6-8 MiB lower than with 1 MiB reads (more than the 1.5 MiB of buffers), at the same speed.
 */
const PARSE_CHUNK_SIZE = 1 << 18;

/** Parses a `.heapsnapshot` file with HeapSnapshotParser, streaming it in `chunkSize` reads (default 256 KiB). */
export async function parseHeapSnapshotFile(
  path: string,
  options: { chunkSize?: number } = {},
): Promise<HeapSnapshotGraph> {
  const parser = new HeapSnapshotParser();
  await readChunks(path, options.chunkSize ?? PARSE_CHUNK_SIZE, (chunk) => parser.write(chunk));
  return parser.end();
}
