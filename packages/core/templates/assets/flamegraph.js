// ramflow flame graph: draws an allocation profile (or the difference of two) on a canvas, as an icicle (root at
// the top, widths = bytes), with a hover tooltip, click to zoom, search and an accessible list of the drawn boxes.
// Mounts on `.rf-flame` elements: `globalThis.ramflowFlameGraph.mountAll(root)` for a document, an element or a
// shadow root (idempotent). Runs under a strict CSP: served from the ramflow base path, no inline code, no eval,
// no style attributes (sizes and positions go through the CSSOM). Data-derived text only ever goes in textContent.
(() => {
  /** Height of a row of boxes, in CSS pixels. */
  const ROW = 18;
  /** Boxes narrower than this (CSS pixels) are not drawn, nor their callees. */
  const MIN_WIDTH = 0.5;
  /** Canvas height when the stage's CSS sets no maximum. */
  const MAX_VIEWPORT = 2000;
  const FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  const ID = /^[0-9a-f]{8}-[0-9a-z]{1,12}$/;
  const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
  /** Waits between attempts while a re-run request's record is being stored (about 3 s in all). */
  const RETRY_DELAYS = [100, 200, 300, 500, 800, 1100];

  /** Base colours by frame kind, as [hue, saturation %, lightness %]; the legend shows these. */
  const KINDS = {
    app: { hsl: [22, 85, 62], label: 'app' },
    dependency: { hsl: [45, 85, 58], label: 'node_modules' },
    node: { hsl: [210, 14, 74], label: 'Node.js / V8' },
    ramflow: { hsl: [265, 45, 74], label: 'ramflow' },
  };
  const ROOT_COLOR = [0, 0, 86];
  const MATCH_COLOR = [305, 80, 56];
  const GREW = [0, 75];
  const SHRANK = [215, 75];
  const EQUAL = [0, 0, 80];

  const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

  /** Bytes with decimal units, as the server formats them: `0 B`, `512 B`, `2.3 MB`. */
  function formatBytes(bytes) {
    const abs = Math.abs(bytes);
    if (!Number.isFinite(abs)) return 'n/a';
    if (Math.round(abs) < 1000) return `${Math.round(abs)} B`;
    let value = abs;
    let unit = 0;
    while (value >= 1000 && unit < UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    if (Number(value.toFixed(value < 10 ? 1 : 0)) >= 1000 && unit < UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    const text = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : value.toFixed(0);
    return `${text} ${UNITS[unit]}`;
  }

  function formatSignedBytes(bytes) {
    const text = formatBytes(bytes);
    if (text === '0 B' || text === 'n/a') return text;
    return `${bytes > 0 ? '+' : '-'}${text}`;
  }

  function formatShare(share) {
    if (!Number.isFinite(share)) return 'n/a';
    if (share > 0 && share < 0.0005) return '<0.1%';
    return `${(share * 100).toFixed(1)}%`;
  }

  function hsl(color) {
    return `hsl(${color[0]}, ${color[1]}%, ${color[2]}%)`;
  }

  /** A small stable number from a name, to vary the shade of neighbouring boxes. */
  function hash(text) {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
    return Math.abs(h);
  }

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
   * `start[i]` is its left edge in bytes from the root's.
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

  function make(doc, tag, className, text) {
    const el = doc.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** The element's existing part, or a new one appended by `create`. */
  function part(element, selector, create) {
    return element.querySelector(selector) || create();
  }

  function graph(element) {
    const doc = element.ownerDocument;
    const win = doc.defaultView || globalThis;
    const diff = element.dataset.mode === 'diff';
    const base = element.dataset.base || '';
    const hideDefault = (element.dataset.hide ?? 'node,ramflow').split(',');

    // Controls: the template's when it has them, else ours.
    let controls = element.querySelector('.rf-flame-controls');
    if (!controls) {
      controls = make(doc, 'div', 'rf-flame-controls');
      const search = make(doc, 'input', 'rf-flame-search');
      search.type = 'search';
      search.placeholder = 'Search functions';
      search.setAttribute('aria-label', 'Search functions (substring, case-insensitive)');
      const reset = make(doc, 'button', 'rf-flame-reset', 'Reset zoom');
      reset.type = 'button';
      const toggle = (className, label, checked) => {
        const wrap = make(doc, 'label', 'rf-flame-toggle');
        const box = make(doc, 'input', className);
        box.type = 'checkbox';
        box.checked = checked;
        wrap.append(box, ` ${label}`);
        return wrap;
      };
      controls.append(
        search,
        reset,
        toggle('rf-flame-hide-internal', 'Hide Node internals & ramflow', hideDefault.includes('node')),
        toggle('rf-flame-hide-deps', 'also hide node_modules', hideDefault.includes('dependency')),
      );
      element.prepend(controls);
    }
    const searchBox = controls.querySelector('.rf-flame-search');
    const resetButton = controls.querySelector('.rf-flame-reset');
    const hideInternal = controls.querySelector('.rf-flame-hide-internal');
    const hideDeps = controls.querySelector('.rf-flame-hide-deps');
    if (hideInternal) hideInternal.checked = hideDefault.includes('node');
    if (hideDeps) hideDeps.checked = hideDefault.includes('dependency');
    const viewButtons = [...controls.querySelectorAll('.rf-flame-view')];

    const message = part(element, '.rf-flame-message', () => {
      const p = make(doc, 'p', 'rf-muted rf-flame-message');
      p.setAttribute('role', 'status');
      element.append(p);
      return p;
    });
    const searchResult = make(doc, 'p', 'rf-flame-search-result');
    searchResult.setAttribute('role', 'status');
    searchResult.hidden = true;
    const orientation = make(doc, 'p', 'rf-note rf-flame-orientation');
    const stage = make(doc, 'div', 'rf-flame-stage');
    const scroller = make(doc, 'div', 'rf-flame-scroll');
    const canvas = make(doc, 'canvas', 'rf-flame-canvas');
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'img');
    scroller.append(canvas);
    stage.append(scroller);
    stage.hidden = true;
    const tip = make(doc, 'div', 'rf-flame-tip');
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    const details = make(doc, 'p', 'rf-flame-details');
    details.hidden = true;
    const legend = make(doc, 'ul', 'rf-flame-legend');
    const notes = make(doc, 'div', 'rf-flame-notes');
    const removed = make(doc, 'div', 'rf-flame-removed');
    removed.hidden = true;
    const a11y = make(doc, 'ul', 'rf-flame-a11y rf-visually-hidden');
    a11y.setAttribute('aria-label', 'Boxes of the flame graph');
    message.after(searchResult, orientation, stage, details, legend, notes, removed, a11y);
    element.append(tip);
    buildLegend();

    const state = {
      g: null,
      json: null,
      zoom: 0,
      query: '',
      match: null,
      hover: -1,
      rows: [],
      width: 0,
      height: 0,
      seq: 0,
      frame: 0,
      layoutPending: false,
      view: element.dataset.view === 'retained' ? 'retained' : 'allocated',
      origin: element.dataset.view === 'retained' ? 'retained' : 'allocated',
      sources: {},
      busy: false,
    };
    state.sources[state.origin] = { src: element.dataset.src || '', id: undefined };

    function buildLegend() {
      legend.textContent = '';
      const item = (color, label) => {
        const li = make(doc, 'li', 'rf-flame-legend-item');
        const swatch = make(doc, 'span', 'rf-flame-swatch');
        swatch.style.backgroundColor = hsl(color);
        li.append(swatch, make(doc, 'span', '', label));
        legend.append(li);
      };
      if (diff) {
        item([GREW[0], GREW[1], 60], 'B grew (darker: more)');
        item([SHRANK[0], SHRANK[1], 60], 'B shrank');
        item(EQUAL, 'unchanged');
        item(MATCH_COLOR, 'search match (outlined)');
      } else {
        for (const kind of Object.keys(KINDS)) item(KINDS[kind].hsl, KINDS[kind].label);
        item(MATCH_COLOR, 'search match');
      }
    }

    function say(text, tone) {
      message.textContent = text;
      message.hidden = text === '';
      if (tone) message.dataset.tone = tone;
      else delete message.dataset.tone;
    }

    function hideParam() {
      const kinds = [];
      if (hideInternal ? hideInternal.checked : hideDefault.includes('node')) kinds.push('node', 'ramflow');
      if (hideDeps ? hideDeps.checked : hideDefault.includes('dependency')) kinds.push('dependency');
      return kinds.join(',');
    }

    function withHide(src) {
      const url = new URL(src, doc.baseURI);
      url.searchParams.set('hide', hideParam());
      return url.href;
    }

    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

    async function fetchJson(src, retry404) {
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(withHide(src), {
          headers: { accept: 'application/json' },
          credentials: 'same-origin',
          cache: 'no-store',
        });
        if (response.ok) return response.json();
        if (response.status === 404 && retry404 && attempt < RETRY_DELAYS.length) {
          await sleep(RETRY_DELAYS[attempt]);
          continue;
        }
        // ramflow's API explains a 404 (`{ error, message }`): show its words when it does.
        let detail = '';
        try {
          const body = await response.json();
          if (body && typeof body.message === 'string') detail = `: ${body.message}`;
        } catch {}
        throw new Error(`the server answered ${response.status} ${response.statusText}`.trim() + detail);
      }
    }

    /** Loads and shows a graph; a later load wins over an earlier one still in flight. */
    async function load(src, retry404) {
      const seq = ++state.seq;
      if (!src) {
        say('No flame graph address (data-src) on this element.', 'error');
        return false;
      }
      say('Loading the flame graph\u2026');
      try {
        const json = await fetchJson(src, retry404);
        if (seq !== state.seq) return false;
        const g = flatten(json, diff);
        state.json = json;
        state.g = g;
        state.zoom = 0;
        state.hover = -1;
        tip.hidden = true;
        details.hidden = true;
        computeMatches();
        showExtras(json);
        say('');
        stage.hidden = false;
        schedule(true);
        return true;
      } catch (error) {
        if (seq !== state.seq) return false;
        say(`Could not load the flame graph: ${error?.message ?? String(error)}`, 'error');
        return false;
      }
    }

    function showExtras(json) {
      const hidden = Array.isArray(json.hidden) ? json.hidden.map(String) : [];
      const hiddenText = [];
      if (hidden.includes('node') || hidden.includes('ramflow'))
        hiddenText.push('Node.js internals and ramflow');
      if (hidden.includes('dependency')) hiddenText.push('node_modules');
      if (hidden.includes('app')) hiddenText.push('app frames');
      orientation.textContent = `Root at the top, callees below; widths are ${diff ? "B's " : ''}bytes. Click a box to zoom, Escape or the top box to reset.${
        hiddenText.length > 0
          ? ` ${hiddenText.join(' and ')} hidden: their bytes count in their callers.`
          : ''
      }`;
      notes.textContent = '';
      if (Array.isArray(json.notes)) {
        for (const note of json.notes) notes.append(make(doc, 'p', 'rf-note', String(note)));
      }
      removed.textContent = '';
      removed.hidden = true;
      if (Array.isArray(json.removed) && json.removed.length > 0) {
        const total = json.removedTotal || {};
        removed.append(
          make(
            doc,
            'h4',
            'rf-sub',
            `Only in A: ${number(total.paths) || json.removed.length} call path${
              (number(total.paths) || json.removed.length) === 1 ? '' : 's'
            }, ${formatBytes(number(total.bytes))} (not drawn: B has no bytes there)`,
          ),
        );
        const list = make(doc, 'ul', 'rf-flame-removed-list');
        for (const entry of json.removed) {
          const path = Array.isArray(entry?.path) ? entry.path.map(String) : [];
          const li = make(doc, 'li');
          li.append(
            make(doc, 'span', 'rf-fn', path.join(' \u203a ')),
            make(
              doc,
              'span',
              'rf-muted',
              ` ${formatBytes(number(entry?.bytes))} in A${entry?.location ? ` \u00b7 ${String(entry.location)}` : ''}`,
            ),
          );
          list.append(li);
        }
        removed.append(list);
        removed.hidden = false;
      }
    }

    function computeMatches() {
      const g = state.g;
      if (!g) return;
      const query = state.query;
      if (query === '') {
        state.match = null;
        searchResult.hidden = true;
        searchResult.textContent = '';
        return;
      }
      const frameMatches = g.frames.map((frame) => frame.name.toLowerCase().includes(query));
      const match = new Uint8Array(g.n);
      const distinct = new Set();
      for (let i = 1; i < g.n; i++) {
        if (frameMatches[g.frame[i]]) {
          match[i] = 1;
          distinct.add(g.frame[i]);
        }
      }
      // Bytes of the outermost matches only: a match inside a match is already counted.
      let bytes = 0;
      for (let i = 1; i < g.n; ) {
        if (match[i]) {
          bytes += g.total[i];
          i = g.end[i];
        } else i++;
      }
      state.match = match;
      searchResult.hidden = false;
      searchResult.textContent =
        distinct.size === 0
          ? `No matches for \u201c${query}\u201d.`
          : `${distinct.size} match${distinct.size === 1 ? '' : 'es'}: ${formatBytes(bytes)} (${formatShare(
              g.total[0] > 0 ? bytes / g.total[0] : 0,
            )} of total)`;
      searchResult.dataset.matches = String(distinct.size);
      searchResult.dataset.bytes = String(bytes);
    }

    function schedule(layout) {
      if (layout) state.layoutPending = true;
      if (state.frame) return;
      state.frame = win.requestAnimationFrame(() => {
        state.frame = 0;
        const layoutNow = state.layoutPending;
        state.layoutPending = false;
        try {
          draw(layoutNow);
        } catch (error) {
          say(`Could not draw the flame graph: ${error?.message ?? String(error)}`, 'error');
        }
      });
    }

    function fillFor(i) {
      const g = state.g;
      if (diff) {
        const t = g.total[i];
        const t0 = g.total0[i];
        let color;
        if (t === t0) color = EQUAL;
        else {
          const change = t0 === 0 ? 1 : Math.min(1, Math.abs(t - t0) / t0);
          const strength = 0.15 + 0.85 * change;
          const hue = t > t0 ? GREW : SHRANK;
          color = [hue[0], hue[1], Math.round(90 - 40 * strength)];
        }
        return color;
      }
      if (state.match?.[i]) return MATCH_COLOR;
      if (i === 0) return ROOT_COLOR;
      const frame = g.frames[g.frame[i]];
      const base = KINDS[frame.kind].hsl;
      return [base[0], base[1], base[2] + ((hash(frame.name) % 11) - 5)];
    }

    function labelOf(i) {
      const g = state.g;
      if (i === 0) return `all \u00b7 ${formatBytes(g.total[0])}`;
      return g.frames[g.frame[i]].name;
    }

    /** Lays out the boxes at the current zoom and width (`layout`), then paints the rows in view. */
    function draw(layout) {
      const g = state.g;
      if (!g || stage.hidden) return;
      const width = Math.floor(stage.clientWidth);
      if (width <= 0) return;
      const contentHeight = (g.maxDepth + 1) * ROW;
      if (scroller.style.height !== `${contentHeight}px`) scroller.style.height = `${contentHeight}px`;
      const maxHeight = Number.parseFloat(win.getComputedStyle(stage).maxHeight);
      const viewport = Math.max(
        ROW,
        Math.min(contentHeight, Number.isFinite(maxHeight) ? maxHeight : MAX_VIEWPORT, MAX_VIEWPORT),
      );
      if (layout || width !== state.width) {
        state.width = width;
        layoutBoxes(width);
      }
      const ratio = Math.min(win.devicePixelRatio || 1, 3);
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(viewport * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(viewport * ratio);
        canvas.style.width = `${width}px`;
        canvas.style.height = `${viewport}px`;
      }
      state.height = viewport;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('this browser has no 2D canvas');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, viewport);
      ctx.font = FONT;
      ctx.textBaseline = 'middle';
      const charWidth = ctx.measureText('M').width || 7;
      const top = stage.scrollTop;
      const firstRow = Math.max(0, Math.floor(top / ROW));
      const lastRow = Math.min(state.rows.length - 1, Math.floor((top + viewport) / ROW));
      const searching = state.match !== null;
      for (let d = firstRow; d <= lastRow; d++) {
        const y = d * ROW - top;
        for (const box of state.rows[d]) {
          const i = box.i;
          const color = fillFor(i);
          const dim = diff && searching && !state.match[i];
          ctx.globalAlpha = dim ? 0.35 : 1;
          ctx.fillStyle = hsl(color);
          ctx.fillRect(box.x, y, Math.max(box.w - 1, 0.5), ROW - 1);
          if (diff && searching && state.match[i]) {
            ctx.strokeStyle = hsl(MATCH_COLOR);
            ctx.lineWidth = 2;
            ctx.strokeRect(box.x + 1, y + 1, Math.max(box.w - 3, 0.5), ROW - 3);
          }
          if (box.w > charWidth * 2 + 6) {
            const label = labelOf(i);
            const fits = Math.floor((box.w - 6) / charWidth);
            const text = label.length <= fits ? label : `${label.slice(0, Math.max(1, fits - 1))}\u2026`;
            ctx.fillStyle = color[2] < 58 ? '#ffffff' : '#1f2937';
            ctx.fillText(text, box.x + 3, y + ROW / 2);
          }
          ctx.globalAlpha = 1;
          if (i === state.hover) {
            ctx.strokeStyle = '#111827';
            ctx.lineWidth = 1.5;
            ctx.strokeRect(box.x + 0.75, y + 0.75, Math.max(box.w - 2.5, 0.5), ROW - 2.5);
          }
        }
      }
      element.dataset.rendered = '1';
      element.dataset.zoom = String(state.zoom);
      element.dataset.view = state.view;
    }

    /** Which boxes are visible at this zoom and width, row by row, and the accessible list of them. */
    function layoutBoxes(width) {
      const g = state.g;
      const zoomStart = g.start[state.zoom];
      const zoomTotal = g.total[state.zoom] || 1;
      const scale = width / zoomTotal;
      const rows = [];
      for (let d = 0; d <= g.maxDepth; d++) rows.push([]);
      const items = doc.createDocumentFragment();
      const whole = g.total[0];
      for (let i = 0; i < g.n; ) {
        const x = (g.start[i] - zoomStart) * scale;
        const w = g.total[i] * scale;
        const x0 = Math.max(0, x);
        const x1 = Math.min(width, x + w);
        if (x1 - x0 < MIN_WIDTH) {
          i = g.end[i];
          continue;
        }
        const depth = g.depth[i];
        rows[depth].push({ i, x: x0, w: x1 - x0 });
        const frame = g.frames[g.frame[i]];
        const li = make(doc, 'li');
        let text = `${i === 0 ? 'all' : frame.name}: ${formatBytes(g.total[i])} (${formatShare(
          whole > 0 ? g.total[i] / whole : 0,
        )})`;
        if (diff)
          text += `, A ${formatBytes(g.total0[i])}, change ${formatSignedBytes(g.total[i] - g.total0[i])}`;
        li.textContent = text;
        li.dataset.index = String(i);
        li.dataset.depth = String(depth);
        li.dataset.x = x0.toFixed(1);
        li.dataset.y = String(depth * ROW);
        li.dataset.width = (x1 - x0).toFixed(1);
        li.dataset.bytes = String(g.total[i]);
        if (state.match?.[i]) li.dataset.match = '1';
        if (i === state.zoom) li.dataset.zoomed = '1';
        items.append(li);
        i++;
      }
      state.rows = rows;
      a11y.textContent = '';
      a11y.append(items);
      const zoomFrame = state.zoom === 0 ? 'everything' : g.frames[g.frame[state.zoom]].name;
      canvas.setAttribute(
        'aria-label',
        `${diff ? 'Allocation difference' : 'Allocation'} flame graph, zoomed on ${zoomFrame}. The boxes are listed below. Escape resets the zoom.`,
      );
    }

    /** The box under a point of the canvas (CSS pixels from its top left), or -1. */
    function hit(x, y) {
      const row = state.rows[Math.floor((y + stage.scrollTop) / ROW)];
      if (!row) return -1;
      let lo = 0;
      let hi = row.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const box = row[mid];
        if (x < box.x) hi = mid - 1;
        else if (x >= box.x + box.w) lo = mid + 1;
        else return box.i;
      }
      return -1;
    }

    function pointer(event) {
      const rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    function showTip(i, event) {
      const g = state.g;
      const frame = g.frames[g.frame[i]];
      const whole = g.total[0];
      tip.textContent = '';
      tip.append(make(doc, 'strong', 'rf-flame-tip-name', i === 0 ? 'all (the whole profile)' : frame.name));
      if (i !== 0) {
        tip.append(
          make(doc, 'div', 'rf-flame-tip-loc', `${frame.location} \u00b7 ${KINDS[frame.kind].label}`),
        );
      }
      if (diff) {
        const t = g.total[i];
        const t0 = g.total0[i];
        const change =
          t0 > 0 ? ` (${t >= t0 ? '+' : ''}${formatShare((t - t0) / t0)})` : t > 0 ? ' (new in B)' : '';
        tip.append(
          make(doc, 'div', '', `B: ${formatBytes(t)} total, ${formatBytes(g.self[i])} self`),
          make(doc, 'div', '', `A: ${formatBytes(t0)} total, ${formatBytes(g.self0[i])} self`),
          make(doc, 'div', 'rf-flame-tip-delta', `Change: ${formatSignedBytes(t - t0)}${change}`),
        );
      } else {
        tip.append(
          make(
            doc,
            'div',
            '',
            `Total: ${formatBytes(g.total[i])} (${formatShare(whole > 0 ? g.total[i] / whole : 0)} of total)`,
          ),
          make(doc, 'div', '', `Self: ${formatBytes(g.self[i])}`),
        );
      }
      tip.hidden = false;
      const host = element.getBoundingClientRect();
      const left = event.clientX - host.left + 12;
      const top = event.clientY - host.top + 16;
      const maxLeft = Math.max(0, element.clientWidth - tip.offsetWidth - 4);
      tip.style.left = `${Math.max(0, Math.min(left, maxLeft))}px`;
      tip.style.top = `${top}px`;
    }

    function showDetails(i) {
      const g = state.g;
      if (i === 0) {
        details.hidden = true;
        return;
      }
      const frame = g.frames[g.frame[i]];
      details.textContent = '';
      details.append(make(doc, 'strong', 'rf-fn', frame.name), ' ');
      if (frame.editorHref) {
        const link = make(doc, 'a', 'rf-loc', frame.location);
        link.href = frame.editorHref;
        link.title = 'Open in editor';
        details.append(link);
      } else details.append(make(doc, 'span', 'rf-loc', frame.location));
      details.append(
        make(
          doc,
          'span',
          'rf-muted',
          ` \u00b7 ${formatBytes(g.total[i])} total, ${formatBytes(g.self[i])} self${
            diff ? ` \u00b7 A: ${formatBytes(g.total0[i])}` : ''
          }`,
        ),
      );
      details.hidden = false;
    }

    function zoomTo(i) {
      state.zoom = i;
      showDetails(i);
      schedule(true);
    }

    async function switchView(target) {
      if (state.busy || target === state.view) return;
      const known = state.sources[target];
      if (known) {
        if (await load(known.src, false)) setView(target);
        return;
      }
      const url = target === 'retained' ? element.dataset.rerunRetained : element.dataset.rerunAllocated;
      if (!url?.startsWith('/') || url.startsWith('//')) return;
      state.busy = true;
      for (const button of viewButtons) button.setAttribute('aria-busy', 'true');
      say(
        target === 'retained'
          ? 'Sending the request again for the retained view (ramflow runs it alone and collects garbage after it)\u2026'
          : 'Sending the request again for the allocated view\u2026',
      );
      try {
        const headers = {};
        const name = element.dataset.rerunHeader;
        if (target === 'retained' && name && HEADER_NAME.test(name)) {
          headers[name] = element.dataset.rerunHeaderValue || 'retained';
        }
        const response = await fetch(url, { headers, credentials: 'same-origin', cache: 'no-store' });
        const id = response.headers.get('x-ramflow-id');
        try {
          await response.body?.cancel();
        } catch {}
        if (!id || !ID.test(id)) {
          throw new Error('its response carried no X-Ramflow-Id header, so ramflow did not profile it');
        }
        const src = `${base}/api/requests/${id}/flamegraph.json`;
        if (await load(src, true)) {
          state.sources[target] = { src, id };
          setView(target);
        }
      } catch (error) {
        say(`Could not get the ${target} view: ${error?.message ?? String(error)}`, 'error');
      } finally {
        state.busy = false;
        for (const button of viewButtons) button.removeAttribute('aria-busy');
      }
    }

    function setView(view) {
      state.view = view;
      element.dataset.view = view;
      for (const button of viewButtons)
        button.setAttribute('aria-pressed', String(button.dataset.view === view));
      const source = state.sources[view];
      const got = state.json?.view;
      if (source?.id) {
        const note = make(doc, 'p', 'rf-note rf-flame-rerun');
        note.append(`The ${view} view comes from a new run of this request: `);
        const link = make(doc, 'a', '', `request ${source.id}`);
        link.href = `${base}/requests/${source.id}`;
        note.append(link, got && got !== view ? ` (ramflow recorded the ${got} view instead).` : '.');
        notes.prepend(note);
      }
    }

    function safe(handler) {
      return (event) => {
        try {
          const result = handler(event);
          if (result && typeof result.catch === 'function') {
            result.catch((error) => say(`Flame graph error: ${error?.message ?? String(error)}`, 'error'));
          }
        } catch (error) {
          say(`Flame graph error: ${error?.message ?? String(error)}`, 'error');
        }
      };
    }

    canvas.addEventListener(
      'mousemove',
      safe((event) => {
        if (!state.g) return;
        const at = pointer(event);
        const i = hit(at.x, at.y);
        if (i !== state.hover) {
          state.hover = i;
          canvas.style.cursor = i >= 0 ? 'pointer' : 'default';
          schedule(false);
        }
        if (i >= 0) showTip(i, event);
        else tip.hidden = true;
      }),
    );
    canvas.addEventListener(
      'mouseleave',
      safe(() => {
        tip.hidden = true;
        if (state.hover !== -1) {
          state.hover = -1;
          schedule(false);
        }
      }),
    );
    canvas.addEventListener(
      'click',
      safe((event) => {
        if (!state.g) return;
        const at = pointer(event);
        const i = hit(at.x, at.y);
        if (i >= 0) zoomTo(i);
      }),
    );
    canvas.addEventListener(
      'keydown',
      safe((event) => {
        if (event.key === 'Escape' && state.zoom !== 0) {
          event.stopPropagation();
          event.preventDefault();
          zoomTo(0);
        }
      }),
    );
    stage.addEventListener(
      'scroll',
      safe(() => {
        tip.hidden = true;
        schedule(false);
      }),
    );
    resetButton?.addEventListener(
      'click',
      safe(() => zoomTo(0)),
    );
    searchBox?.addEventListener(
      'input',
      safe(() => {
        state.query = searchBox.value.trim().toLowerCase();
        computeMatches();
        schedule(true);
      }),
    );
    for (const box of [hideInternal, hideDeps]) {
      box?.addEventListener(
        'change',
        safe(() => load(state.sources[state.view]?.src, false)),
      );
    }
    for (const button of viewButtons) {
      button.addEventListener(
        'click',
        safe(() => switchView(button.dataset.view === 'retained' ? 'retained' : 'allocated')),
      );
    }
    if (typeof win.ResizeObserver === 'function') {
      const observer = new win.ResizeObserver(() => {
        // A panel replaced by new HTML: stop watching the old graph.
        if (!element.isConnected) observer.disconnect();
        else schedule(false);
      });
      observer.observe(stage);
    } else {
      win.addEventListener('resize', () => schedule(false));
    }
    load(state.sources[state.origin].src, false);
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
})();
