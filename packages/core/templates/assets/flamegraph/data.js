// flamegraph/data.js: the server's flame-graph JSON (src/profile/flame-graph.ts) as the flat arrays the other
// parts read, `g`: one entry per box, in preorder. Nothing in the JSON is trusted: numbers are checked, frame
// kinds are known ones, and editor links are only those an editor or a web page can open.

/** A byte count from the JSON: a finite positive number, else 0. */
function number(value) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Only links an editor or a web page can open: never `javascript:` and the like. */
function safeHref(href) {
  if (typeof href !== 'string') return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href);
  if (!scheme) return undefined;
  return /^(?:javascript|data|vbscript|blob|file)$/i.test(scheme[1]) ? undefined : href;
}

/**
 * The JSON as flat arrays in preorder: a node's callees follow it, `end[i]` is the index after its subtree, and
 * `start[i]` is its left edge in bytes from the root's. Box `i` shows `frames[frame[i]]`, `total[i]` bytes
 * wide (`self[i]` its own), at row `depth[i]` under `parent[i]`; in a diff, `total0` and `self0` are A's.
 */
function flatten(json, diff) {
  if (!json || typeof json !== 'object' || !Array.isArray(json.frames) || !json.root) {
    throw new Error('the server sent something that is not a flame graph');
  }
  const frames = json.frames.map((frame) => ({
    name: String(frame?.name ?? '(unknown)'),
    location: String(frame?.location ?? ''),
    kind: Object.hasOwn(KINDS, frame?.kind) ? frame.kind : 'node',
    editorHref: safeHref(frame?.editorHref),
  }));
  const unknown = frames.length;
  frames.push({ name: '(unknown)', location: '', kind: 'node', editorHref: undefined });
  let count = 0;
  const counting = [json.root];
  while (counting.length > 0) {
    const node = counting.pop();
    count++;
    if (Array.isArray(node.c))
      for (const child of node.c) if (child && typeof child === 'object') counting.push(child);
  }
  const g = {
    n: count,
    frames,
    frame: new Int32Array(count),
    self: new Float64Array(count),
    total: new Float64Array(count),
    self0: diff ? new Float64Array(count) : undefined,
    total0: diff ? new Float64Array(count) : undefined,
    start: new Float64Array(count),
    depth: new Int32Array(count),
    parent: new Int32Array(count),
    end: new Int32Array(count),
    maxDepth: 0,
  };
  const stack = [{ node: json.root, parent: -1, depth: 0, start: 0 }];
  let i = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    const node = item.node;
    const f = Number(node.f);
    g.frame[i] = Number.isInteger(f) && f >= 0 && f < unknown ? f : unknown;
    g.self[i] = number(node.s);
    g.total[i] = number(node.t);
    if (diff) {
      g.self0[i] = number(node.s0);
      g.total0[i] = number(node.t0);
    }
    g.start[i] = item.start;
    g.depth[i] = item.depth;
    g.parent[i] = item.parent;
    g.end[i] = i + 1;
    if (item.depth > g.maxDepth) g.maxDepth = item.depth;
    const children = Array.isArray(node.c) ? node.c.filter((c) => c && typeof c === 'object') : [];
    let offset = item.start;
    const placed = [];
    for (const child of children) {
      placed.push({ node: child, parent: i, depth: item.depth + 1, start: offset });
      offset += number(child.t);
    }
    for (let k = placed.length - 1; k >= 0; k--) stack.push(placed[k]);
    i++;
  }
  for (let k = count - 1; k > 0; k--) {
    const p = g.parent[k];
    if (g.end[k] > g.end[p]) g.end[p] = g.end[k];
  }
  return g;
}
