/**
 * ramflow's own objects in a heap snapshot of the app: what ramflow's code created and holds (its records, its
 * profiler's windows, its waiters, the async functions it is suspended in while the snapshot is taken) is not
 * what the request left alive, so the diff treats these objects as walls: it neither lists them nor walks
 * through them (a new object that only they hold is ramflow's too), and retainer paths go around them.
 *
 * Which objects are ramflow's is read from the snapshot itself, through the links V8 writes for every function
 * (seen on Node 20 to 26):
 * - a closure (`closure` node) whose code comes from one of ramflow's files: `closure --shared--> (function's
 *   SharedFunctionInfo) --script_or_debug_info (or script)--> (Script)`, a node named by the file's URL or path;
 * - an instance of a class ramflow defines: `object --map--> (Map) --back_pointer--> … --constructor--> closure`
 *   (a map made by adding properties points back to the one before; the first one names the constructor);
 * - a generator or async function's suspended state (`object --function--> closure`) of ramflow's code;
 * - the scope a closure of ramflow's code closes over (`closure --context--> system / Context`): its modules'
 *   top-level state among them (not the scopes around that one);
 * - Node's objects that exist only to call ramflow back: its timers (`Timeout._onTimeout`), immediates
 *   (`Immediate._onImmediate`) and performance observers (`PerformanceObserver.#callback`, which buffer the GC
 *   entries ramflow reads).
 *
 * - ramflow's objects that Node also holds natively (an inspector session): own-handles.ts lists them under the global
 *   symbol {@link OWN_HANDLES_KEY} while the after snapshot is taken.
 *
 * Apart from those, the request's own node:http request and response ({@link IN_FLIGHT}): ramflow puts them in an
 * array under the global symbol {@link IN_FLIGHT_KEY} while the after snapshot is taken. What only they hold (the
 * response's headers, the framework's parameters, a parsed body) is not left alive by the request: Node frees it
 * with them. (A request object the app itself keeps, say in a global array, hides what only it holds: the array's
 * growth still shows.)
 *
 * Cost: one pass over the nodes and their edges, a byte per node, and a cache per map and per script name.
 */
import { type GraphLayout, graphLayout, type HeapSnapshotGraph } from './graph.js';

/** A node ramflow's code owns (see the module comment). */
export const OWN = 1;
/** The request's own req/res, or the array ramflow holds them in (see the module comment). */
export const IN_FLIGHT = 2;
/** The `Symbol.for` key of the global property that holds the request's req/res during the after snapshot. */
export const IN_FLIGHT_KEY = 'ramflow.snapshot.in-flight';
/** The `Symbol.for` key of the global property that lists ramflow's natively held objects (own-handles.ts). */
export const OWN_HANDLES_KEY = 'ramflow.snapshot.own-handles';

/** Node's classes whose instances call a function back, and the property that holds it. */
const CALLBACK_HOLDERS: ReadonlyMap<string, string> = new Map([
  ['Timeout', '_onTimeout'],
  ['Immediate', '_onImmediate'],
  ['PerformanceObserver', '#callback'],
]);

/**
 * Which script names are ramflow's: those under one of `roots` (directories, as absolute paths or `file:` URLs:
 * ramflow's packages where this process loaded them), and any installed `node_modules/@ramflow/` package.
 */
export function ownScriptMatcher(roots: readonly string[]): (scriptName: string) => boolean {
  const prefixes = roots
    .map((root) => toPath(root))
    .filter((root) => root.length > 1)
    .map((root) => (root.endsWith('/') ? root : `${root}/`));
  return (name) => {
    if (name.length === 0) return false;
    const path = toPath(name);
    return path.includes('/node_modules/@ramflow/') || prefixes.some((prefix) => path.startsWith(prefix));
  };
}

function toPath(name: string): string {
  if (!name.startsWith('file://')) return name;
  try {
    return decodeURIComponent(new URL(name).pathname);
  } catch {
    return name.slice('file://'.length);
  }
}

/**
 * Flags ({@link OWN}, {@link IN_FLIGHT}) for the nodes of `graph` that ramflow's code owns or that are the request's
 * own req/res, by node ordinal; how many there are of each.
 * `isOwnScript` says which script names are ramflow's (see {@link ownScriptMatcher}).
 */
export function markOwnObjects(
  graph: HeapSnapshotGraph,
  starts: Uint32Array,
  isOwnScript: (scriptName: string) => boolean,
  layout: GraphLayout = graphLayout(graph),
): { own: Uint8Array; count: number; inFlight: number } {
  const { nodes, edges, strings, nodeCount, nodeTypes, edgeTypes } = graph;
  const { nodeFieldCount, nodeType, nodeName, edgeFieldCount, edgeType, edgeNameOrIndex, edgeToNode } =
    layout;
  const own = new Uint8Array(nodeCount);
  let inFlight = 0;
  const closureType = nodeTypes.indexOf('closure');
  const objectType = nodeTypes.indexOf('object');
  const internal = edgeTypes.indexOf('internal');
  const name = (value: string) => strings.indexOf(value);
  // Edge names, as string-table indexes (-1 when this snapshot has none: nothing matches then).
  const shared = name('shared');
  const scriptEdges = new Set([name('script_or_debug_info'), name('script')].filter((at) => at >= 0));
  const mapEdge = name('map');
  const backPointer = name('back_pointer');
  const constructorEdge = name('constructor');
  const functionEdge = name('function');
  const property = edgeTypes.indexOf('property');
  const element = edgeTypes.indexOf('element');
  const inFlightEdge = name(`<symbol ${IN_FLIGHT_KEY}>`);
  const ownHandlesEdge = name(`<symbol ${OWN_HANDLES_KEY}>`);
  const elementsEdge = name('elements');
  const contextEdge = name('context');
  const callbackEdgeOf = new Map<number, number>();
  for (const [holder, edge] of CALLBACK_HOLDERS) {
    const holderName = name(holder);
    const edgeName = name(edge);
    if (holderName >= 0 && edgeName >= 0) callbackEdgeOf.set(holderName, edgeName);
  }
  if (closureType < 0 || internal < 0 || shared < 0 || scriptEdges.size === 0)
    return { own, count: 0, inFlight };

  /** The node an edge of `kind` (internal by default) named `edgeName` of `node` leads to, or -1. */
  const follow = (node: number, edgeName: number, kind = internal): number => {
    if (edgeName < 0) return -1;
    const end = starts[node + 1] as number;
    for (let e = starts[node] as number; e < end; e++) {
      const at = e * edgeFieldCount;
      if (edges[at + edgeType] === kind && edges[at + edgeNameOrIndex] === edgeName)
        return edges[at + edgeToNode] as number;
    }
    return -1;
  };
  const scriptVerdict = new Map<number, boolean>();
  const ownScript = (script: number): boolean => {
    const nameIndex = nodes[script * nodeFieldCount + nodeName] as number;
    let verdict = scriptVerdict.get(nameIndex);
    if (verdict === undefined) {
      verdict = isOwnScript(strings[nameIndex] ?? '');
      scriptVerdict.set(nameIndex, verdict);
    }
    return verdict;
  };
  const isClosure = (node: number) => nodes[node * nodeFieldCount + nodeType] === closureType;

  // Closures of ramflow's code.
  let count = 0;
  for (let node = 0; node < nodeCount; node++) {
    if (!isClosure(node)) continue;
    const info = follow(node, shared);
    if (info < 0) continue;
    let script = -1;
    for (const edge of scriptEdges) {
      script = follow(info, edge);
      if (script >= 0) break;
    }
    if (script >= 0 && ownScript(script)) {
      own[node] = OWN;
      count++;
    }
  }
  // The scopes ramflow's closures close over (its modules' top-level state among them), not the ones around those.
  const contextName = name('system / Context');
  for (let node = 0; node < nodeCount && contextName >= 0; node++) {
    if (own[node] !== OWN || !isClosure(node)) continue;
    const context = follow(node, contextEdge);
    if (context >= 0 && own[context] === 0 && nodes[context * nodeFieldCount + nodeName] === contextName) {
      own[context] = OWN;
      count++;
    }
  }
  // The request's own req/res (the elements of the array under the in-flight symbol, and the array), and ramflow's
  // own objects that Node holds natively (under the own-handles symbol).
  const listed = (edgeName: number, flag: number): number => {
    let marked = 0;
    if (edgeName < 0 || property < 0) return 0;
    const mark = (node: number) => {
      if (own[node] !== 0) return;
      own[node] = flag;
      marked++;
    };
    for (let e = 0, at = 0; e < graph.edgeCount; e++, at += edgeFieldCount) {
      if (edges[at + edgeType] !== property || edges[at + edgeNameOrIndex] !== edgeName) continue;
      const array = edges[at + edgeToNode] as number;
      mark(array);
      // A JS array's elements are element edges of the array, or of its `elements` store.
      const holders = [array, follow(array, elementsEdge)].filter((holder) => holder >= 0);
      for (const holder of holders) {
        if (holder !== array) mark(holder);
        for (let held = starts[holder] as number; held < (starts[holder + 1] as number); held++) {
          const heldAt = held * edgeFieldCount;
          const target = edges[heldAt + edgeToNode] as number;
          const isElement = holder !== array || edges[heldAt + edgeType] === element;
          if (isElement && nodes[target * nodeFieldCount + nodeType] === objectType) mark(target);
        }
      }
    }
    return marked;
  };
  inFlight += listed(inFlightEdge, IN_FLIGHT);
  count += listed(ownHandlesEdge, OWN);
  if (count === 0) return { own, count, inFlight };

  // Instances of ramflow's classes, and ramflow's suspended generators and async functions.
  const constructorOfMap = new Map<number, number>();
  const constructorOf = (map: number): number => {
    const known = constructorOfMap.get(map);
    if (known !== undefined) return known;
    const chain: number[] = [];
    let at = map;
    let found = -1;
    // Maps made by adding properties point back to the map before them; the first names the constructor.
    for (let hops = 0; hops < 256 && at >= 0; hops++) {
      const cached = constructorOfMap.get(at);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      chain.push(at);
      const maker = follow(at, constructorEdge);
      if (maker >= 0) {
        found = isClosure(maker) ? maker : -1;
        break;
      }
      at = follow(at, backPointer);
    }
    for (const link of chain) constructorOfMap.set(link, found);
    return found;
  };
  for (let node = 0; node < nodeCount; node++) {
    if (own[node] !== 0 || nodes[node * nodeFieldCount + nodeType] !== objectType) continue;
    const fn = follow(node, functionEdge);
    if (fn >= 0 && own[fn] === OWN && isClosure(fn)) {
      own[node] = OWN;
      count++;
      continue;
    }
    const callbackEdge = callbackEdgeOf.get(nodes[node * nodeFieldCount + nodeName] as number);
    if (callbackEdge !== undefined) {
      const callback = follow(node, callbackEdge, property);
      if (callback >= 0 && own[callback] === OWN) {
        own[node] = OWN;
        count++;
        continue;
      }
    }
    const map = follow(node, mapEdge);
    if (map < 0) continue;
    const maker = constructorOf(map);
    if (maker >= 0 && own[maker] === OWN) {
      own[node] = OWN;
      count++;
    }
  }
  return { own, count, inFlight };
}
