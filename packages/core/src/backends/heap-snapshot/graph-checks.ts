/**
 * The checks HeapSnapshotParser runs on a graph's records as they stream in, for what the analysis relies on: types,
 * names and targets in range, edge counts adding up. Each record is checked once, while still in the CPU cache.
 */
import { type GraphLayout, graphLayout, KEPT_NODE_FIELDS } from './graph.js';
import type { SnapshotHeader } from './snapshot-reader.js';

/** Visits whole records `[from, to)` (value indices) of a section. */
export type RecordVisitor = (values: Uint32Array, from: number, to: number) => void;

/**
 * Node records are checked as the graph keeps them (KEPT_NODE_FIELDS); edge records as the file has them, each
 * edge's `to_node` turned here from a file offset (in the FILE's node field count) into a node ordinal. Ranges
 * that depend on a later section (the string count, the node count) are checked at the end against running maxima.
 */
export class GraphChecks {
  /** Where the fields sit in the graph's records: kept node fields, the file's edge fields. */
  readonly layout: GraphLayout;
  private edgeSum = 0;
  private maxNodeName = -1;
  private maxEdgeName = -1;
  private maxOrdinal = -1;
  /** Records visited, nodes and edges: a bound on how many strings the names can use. */
  private records = 0;

  constructor(private readonly header: SnapshotHeader) {
    this.layout = graphLayout({ nodeFields: KEPT_NODE_FIELDS, edgeFields: header.edgeFields });
  }

  /** Kept node records (`values` in the graph's layout). */
  readonly nodes: RecordVisitor = (values, from, to) => {
    const { nodeFieldCount, nodeType, nodeName, nodeEdgeCount } = this.layout;
    const typeCount = this.header.nodeTypes.length;
    let edgeSum = this.edgeSum;
    let maxName = this.maxNodeName;
    for (let i = from; i < to; i += nodeFieldCount) {
      const name = values[i + nodeName] as number;
      if ((values[i + nodeType] as number) >= typeCount)
        throw new Error(`heap snapshot: node ${i / nodeFieldCount} has an unknown type`);
      if (name > maxName) maxName = name;
      edgeSum += values[i + nodeEdgeCount] as number;
    }
    this.edgeSum = edgeSum;
    this.maxNodeName = maxName;
    this.records += (to - from) / nodeFieldCount;
  };

  /** Edge records, as in the file; rewrites each `to_node` in place. */
  readonly edges: RecordVisitor = (values, from, to) => {
    const { edgeFieldCount, edgeType, edgeNameOrIndex, edgeToNode } = this.layout;
    // The file's offsets count the file's node fields, dropped ones included.
    const fileNodeFieldCount = this.header.layout.nodeFieldCount;
    const edgeTypes = this.header.edgeTypes;
    const typeCount = edgeTypes.length;
    // Element and hidden edges hold an index; the other types name a string.
    const element = edgeTypes.indexOf('element');
    const hidden = edgeTypes.indexOf('hidden');
    const inverse = 1 / fileNodeFieldCount;
    let maxName = this.maxEdgeName;
    let maxOrdinal = this.maxOrdinal;
    for (let i = from; i < to; i += edgeFieldCount) {
      const type = values[i + edgeType] as number;
      const offset = values[i + edgeToNode] as number;
      const ordinal = Math.round(offset * inverse);
      if (type >= typeCount || ordinal * fileNodeFieldCount !== offset)
        throw new Error(
          `heap snapshot: edge ${i / edgeFieldCount} has an unknown type or a to_node off the records`,
        );
      if (type !== element && type !== hidden) {
        const name = values[i + edgeNameOrIndex] as number;
        if (name > maxName) maxName = name;
      }
      if (ordinal > maxOrdinal) maxOrdinal = ordinal;
      values[i + edgeToNode] = ordinal;
    }
    this.maxEdgeName = maxName;
    this.maxOrdinal = maxOrdinal;
    this.records += (to - from) / edgeFieldCount;
  };

  /**
   * How many strings the names seen so far need (the highest name plus one), capped by the records seen (each
   * names at most one string), so that a broken file's huge name cannot size a huge table; 0 before any record.
   */
  stringCountHint(): number {
    return Math.min(Math.max(this.maxNodeName, this.maxEdgeName) + 1, this.records);
  }

  finish(nodeCount: number, edgeCount: number, stringCount: number): void {
    if (this.edgeSum !== edgeCount)
      throw new Error(
        `heap snapshot: the nodes' edge_count fields add up to ${this.edgeSum}, but "edges" holds ${edgeCount}`,
      );
    if (this.maxOrdinal >= nodeCount)
      throw new Error(`heap snapshot: an edge points past the ${nodeCount} nodes`);
    if (Math.max(this.maxNodeName, this.maxEdgeName) >= stringCount)
      throw new Error(`heap snapshot: a name points past the ${stringCount} strings`);
  }
}
