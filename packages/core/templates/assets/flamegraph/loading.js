// flamegraph/loading.js: fetching a graph's JSON (with the hide toggles' choice in `?hide=`) and showing it:
// the status line while it loads or when it fails, then the orientation line, the server's notes and, in a
// diff, the call paths only A has. A later load wins over an earlier one still in flight.

/** The `hide` query parameter: the frame kinds the toggles (or data-hide, without toggles) hide. */
function hideParam(fg) {
  const { hideInternal, hideDeps, hideDefault } = fg;
  const kinds = [];
  if (hideInternal ? hideInternal.checked : hideDefault.includes('node')) kinds.push('node', 'ramflow');
  if (hideDeps ? hideDeps.checked : hideDefault.includes('dependency')) kinds.push('dependency');
  return kinds.join(',');
}

function withHide(fg, src) {
  const url = new URL(src, fg.doc.baseURI);
  url.searchParams.set('hide', hideParam(fg));
  return url.href;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The JSON at `src`; `retry404` waits for a re-run's record that is not stored yet (RETRY_DELAYS). */
async function fetchJson(fg, src, retry404) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(withHide(fg, src), {
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
async function load(fg, src, retry404) {
  const { state, tip, details, stage } = fg;
  const seq = ++state.seq;
  if (!src) {
    say(fg, 'No flame graph address (data-src) on this element.', 'error');
    return false;
  }
  say(fg, 'Loading the flame graph\u2026');
  try {
    const json = await fetchJson(fg, src, retry404);
    if (seq !== state.seq) return false;
    const g = flatten(json, fg.diff);
    state.json = json;
    state.g = g;
    state.zoom = 0;
    state.hover = -1;
    tip.hidden = true;
    details.hidden = true;
    computeMatches(fg);
    showExtras(fg, json);
    say(fg, '');
    stage.hidden = false;
    schedule(fg, true);
    return true;
  } catch (error) {
    if (seq !== state.seq) return false;
    say(fg, `Could not load the flame graph: ${error?.message ?? String(error)}`, 'error');
    return false;
  }
}

/** What the JSON says besides the boxes: what is hidden, the server's notes, and a diff's removed paths. */
function showExtras(fg, json) {
  const { doc, diff, orientation, notes, removed } = fg;
  const hidden = Array.isArray(json.hidden) ? json.hidden.map(String) : [];
  const hiddenText = [];
  if (hidden.includes('node') || hidden.includes('ramflow')) hiddenText.push('Node.js internals and ramflow');
  if (hidden.includes('dependency')) hiddenText.push('node_modules');
  if (hidden.includes('app')) hiddenText.push('app frames');
  orientation.textContent = `Root at the top, callees below; widths are ${diff ? "B's " : ''}bytes. Click a box to zoom, Escape or the top box to reset.${
    hiddenText.length > 0 ? ` ${hiddenText.join(' and ')} hidden: their bytes count in their callers.` : ''
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
