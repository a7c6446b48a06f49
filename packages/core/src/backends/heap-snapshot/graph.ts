/**
 * A parsed V8 heap snapshot (`.heapsnapshot`), held in typed arrays in V8's own flat layout. The streaming parser
 * (parser.ts) produces it from bytes; `graphFromSnapshotJson` builds the same thing from `JSON.parse` output and is
 * the reference the parser is tested against. The analysis (diff, dominators, retainer paths) reads only this.
 */
export interface HeapSnapshotGraph {
  /**
   * The node fields kept, in the file's order: {@link KEPT_NODE_FIELDS} (the file's `snapshot.meta.node_fields`
   * also has `trace_node_id` and `detachedness`, which nothing here reads; dropping them saves 2/7 of the nodes).
   */
  readonly nodeFields: readonly string[];
  /** Names of the values of the node `type` field (`snapshot.meta.node_types[0]`). */
  readonly nodeTypes: readonly string[];
  /** `snapshot.meta.edge_fields`, e.g. `["type","name_or_index","to_node"]`. */
  readonly edgeFields: readonly string[];
  /** Names of the values of the edge `type` field (`snapshot.meta.edge_types[0]`). */
  readonly edgeTypes: readonly string[];
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** `nodeCount * nodeFields.length` values (kept fields only), node after node, in the file's order (node 0 is the synthetic root). */
  readonly nodes: Uint32Array;
  /**
   * `edgeCount * edgeFields.length` values, edge after edge, grouped by source node in node order (a node's edges
   * follow its predecessor's; how many is its `edge_count`). Unlike the file, `to_node` holds the target's node
   * ordinal (the file's offset divided by `nodeFields.length`).
   */
  readonly edges: Uint32Array;
  /** The string table: node names and property-edge names index into it. */
  readonly strings: readonly string[];
}

/** The node fields a graph keeps (all the analysis reads), in this order. */
export const KEPT_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count'] as const;

/** Where each field sits, resolved once from a graph's meta. */
export interface GraphLayout {
  nodeFieldCount: number;
  nodeType: number;
  nodeName: number;
  nodeId: number;
  nodeSelfSize: number;
  nodeEdgeCount: number;
  edgeFieldCount: number;
  edgeType: number;
  edgeNameOrIndex: number;
  edgeToNode: number;
}

export function graphLayout(graph: Pick<HeapSnapshotGraph, 'nodeFields' | 'edgeFields'>): GraphLayout {
  const node = (name: string) => fieldIndex(graph.nodeFields, name, 'node_fields');
  const edge = (name: string) => fieldIndex(graph.edgeFields, name, 'edge_fields');
  return {
    nodeFieldCount: graph.nodeFields.length,
    nodeType: node('type'),
    nodeName: node('name'),
    nodeId: node('id'),
    nodeSelfSize: node('self_size'),
    nodeEdgeCount: node('edge_count'),
    edgeFieldCount: graph.edgeFields.length,
    edgeType: edge('type'),
    edgeNameOrIndex: edge('name_or_index'),
    edgeToNode: edge('to_node'),
  };
}

function fieldIndex(fields: readonly string[], name: string, where: string): number {
  const index = fields.indexOf(name);
  if (index < 0) throw new Error(`not a V8 heap snapshot: snapshot.meta.${where} lacks "${name}"`);
  return index;
}

interface SnapshotJson {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
    node_count: number;
    edge_count: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The reference conversion: a `JSON.parse`d `.heapsnapshot` into a HeapSnapshotGraph. Test and fallback use only. */
export function graphFromSnapshotJson(json: unknown): HeapSnapshotGraph {
  const file = json as SnapshotJson;
  const meta = file.snapshot.meta;
  const fileFields = meta.node_fields;
  const edgeFields = meta.edge_fields;
  const kept = KEPT_NODE_FIELDS.map((name) => fieldIndex(fileFields, name, 'node_fields'));
  const nodeCount = file.nodes.length / fileFields.length;
  const nodes = new Uint32Array(nodeCount * kept.length);
  for (let node = 0; node < nodeCount; node++) {
    for (let k = 0; k < kept.length; k++)
      nodes[node * kept.length + k] = file.nodes[node * fileFields.length + (kept[k] as number)] as number;
  }
  const edges = Uint32Array.from(file.edges);
  const toNode = edgeFields.indexOf('to_node');
  for (let i = toNode; i < edges.length; i += edgeFields.length)
    edges[i] = (edges[i] as number) / fileFields.length;
  return {
    nodeFields: [...KEPT_NODE_FIELDS],
    nodeTypes: meta.node_types[0],
    edgeFields,
    edgeTypes: meta.edge_types[0],
    nodeCount,
    edgeCount: edges.length / edgeFields.length,
    nodes,
    edges,
    strings: file.strings,
  };
}
