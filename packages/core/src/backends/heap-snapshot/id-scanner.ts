/**
 * HeapSnapshotIdScanner: the snapshot reader (snapshot-reader.ts) with a `nodes` target that keeps no arrays, for
 * the "before" snapshot of a diff, which needs only its highest JS object id.
 */
import type { GraphLayout } from './graph.js';
import { type NumberTarget, readChunks, SnapshotReader } from './snapshot-reader.js';

/** Reads node ids block by block as they stream past, keeping no arrays. */
class NodeIdScan implements NumberTarget {
  readonly array: Uint32Array;
  length = 0;
  values = 0;
  edgeSum = 0;
  maxOddId = 0;

  constructor(private readonly layout: GraphLayout) {
    // A whole number of records, so that a full block never splits one.
    this.array = new Uint32Array(layout.nodeFieldCount * 8192);
  }

  full(): void {
    const { array, length } = this;
    const { nodeFieldCount, nodeId, nodeEdgeCount } = this.layout;
    let maxOddId = this.maxOddId;
    let edgeSum = this.edgeSum;
    const whole = length - (length % nodeFieldCount);
    for (let i = 0; i < whole; i += nodeFieldCount) {
      const id = array[i + nodeId] as number;
      if ((id & 1) === 1 && id > maxOddId) maxOddId = id;
      edgeSum += array[i + nodeEdgeCount] as number;
    }
    this.maxOddId = maxOddId;
    this.edgeSum = edgeSum;
    this.values += length;
    this.length = 0;
  }

  /** Blocks are visited when full, while still in cache; the scanner's end() visits the last, partial one. */
  flush(): void {}
}

/**
 * A cheap pass over the "before" snapshot of a diff, which needs only its highest JS object id (JS heap objects get
 * odd ids in allocation order, so objects new since then have higher ones). Reads `nodes`, skips everything else,
 * keeps no arrays: much faster and smaller than a full parse.
 */
export class HeapSnapshotIdScanner {
  private readonly reader: SnapshotReader;
  private layout: GraphLayout | undefined;
  private scan: NodeIdScan | undefined;
  private ended = false;

  constructor() {
    this.reader = new SnapshotReader({
      header: (header) => {
        this.layout = header.layout;
      },
      numbers: (key) => {
        if (key === 'edges') return undefined;
        if (this.layout === undefined)
          throw new Error('heap snapshot: unsupported layout: "nodes" before "snapshot"');
        this.scan = new NodeIdScan(this.layout);
        return this.scan;
      },
      strings: () => undefined,
    });
  }

  write(chunk: Uint8Array | string): void {
    if (this.ended) throw new Error('heap snapshot: write() after end()');
    this.reader.write(chunk);
  }

  /** Node and edge counts (edges as the nodes' edge_count fields add up) and the highest odd node id. */
  end(): { nodeCount: number; edgeCount: number; maxJsObjectId: number } {
    if (this.ended) throw new Error('heap snapshot: end() called twice');
    this.ended = true;
    this.reader.end();
    for (const key of ['snapshot', 'nodes', 'edges'])
      if (!this.reader.has(key)) throw new Error(`not a V8 heap snapshot: no "${key}"`);
    const scan = this.scan as NodeIdScan;
    scan.full();
    const fieldCount = (this.layout as GraphLayout).nodeFieldCount;
    if (scan.values % fieldCount !== 0)
      throw new Error(`heap snapshot: "nodes" holds ${scan.values} values, not a multiple of ${fieldCount}`);
    return { nodeCount: scan.values / fieldCount, edgeCount: scan.edgeSum, maxJsObjectId: scan.maxOddId };
  }
}

/** Default read size for a scan, which holds no arrays: big enough that per-read overhead vanishes. */
const SCAN_CHUNK_SIZE = 1 << 20;

/** Scans a `.heapsnapshot` file with HeapSnapshotIdScanner, streaming it in `chunkSize` reads (default 1 MiB). */
export async function scanHeapSnapshotFile(
  path: string,
  options: { chunkSize?: number } = {},
): Promise<{ nodeCount: number; edgeCount: number; maxJsObjectId: number }> {
  const scanner = new HeapSnapshotIdScanner();
  await readChunks(path, options.chunkSize ?? SCAN_CHUNK_SIZE, (chunk) => scanner.write(chunk));
  return scanner.end();
}
