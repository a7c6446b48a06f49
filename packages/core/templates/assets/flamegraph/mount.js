// flamegraph/mount.js: the entry point, and the last part (it runs on load). The flame graph draws an allocation
// profile (or the difference of two) on a canvas, as an icicle (root at the top, widths = bytes), with a hover
// tooltip, click to zoom, search and an accessible list of the drawn boxes. It mounts on `.rf-flame` elements:
// `globalThis.ramflowFlameGraph.mountAll(root)` for a document, an element or a shadow root (idempotent).
// Runs under a strict CSP: served from the ramflow base path, no inline code, no eval, no style attributes
// (sizes and positions go through the CSSOM). Data-derived text only ever goes in textContent.

/** Makes a flame graph of a `.rf-flame` element: its parts, its state and its listeners, then loads it. */
function graph(element) {
  const fg = build(element);
  buildLegend(fg);
  const origin = element.dataset.view === 'retained' ? 'retained' : 'allocated';
  fg.state = {
    /** The graph shown (data.js's flat arrays), and the JSON it came from. */
    g: null,
    json: null,
    /** The zoomed box (0: the root, everything), the search query (lower case) and its matches, one per box. */
    zoom: 0,
    query: '',
    match: null,
    /** The box under the mouse, or -1. */
    hover: -1,
    /** The laid-out boxes of each row, and the size drawn last (CSS pixels). */
    rows: [],
    width: 0,
    height: 0,
    /** The latest load's number: an older one that answers late is ignored. */
    seq: 0,
    /** The pending animation frame, and whether it must lay out again. */
    frame: 0,
    layoutPending: false,
    /** The view shown, the view of the page's record, each known view's graph, and a re-run in flight. */
    view: origin,
    origin,
    sources: {},
    busy: false,
  };
  fg.state.sources[origin] = { src: element.dataset.src || '', id: undefined };
  listen(fg);
  load(fg, fg.state.sources[origin].src, false);
}

function mount(element) {
  if (element?.nodeType !== 1 || element.dataset.rfFlameMounted) return;
  element.dataset.rfFlameMounted = '1';
  try {
    graph(element);
  } catch (error) {
    const p = (element.ownerDocument || document).createElement('p');
    p.className = 'rf-flame-message';
    p.dataset.tone = 'error';
    p.textContent = `Could not start the flame graph: ${error?.message ?? String(error)}`;
    element.append(p);
  }
}

function mountAll(root) {
  const scope = root || document;
  if (scope.nodeType === 1 && scope.matches('.rf-flame')) mount(scope);
  if (typeof scope.querySelectorAll !== 'function') return;
  for (const element of scope.querySelectorAll('.rf-flame')) mount(element);
}

globalThis.ramflowFlameGraph = { mount, mountAll };

function start() {
  mountAll(document);
  // The toolbar's panels live in its shadow root.
  for (const host of document.querySelectorAll('ramflow-toolbar')) {
    if (host.shadowRoot) mountAll(host.shadowRoot);
  }
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
