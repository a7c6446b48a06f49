// flamegraph/views.js: the allocated/retained toggle. A record holds one view; the other comes from sending
// the request again (data-rerun-allocated / data-rerun-retained, with data-rerun-header for the retained one)
// and loading the new record's graph, which is stored a moment after its response (hence load's retry).

async function switchView(fg, target) {
  const { element, state, viewButtons, base } = fg;
  if (state.busy || target === state.view) return;
  const known = state.sources[target];
  if (known) {
    if (await load(fg, known.src, false)) setView(fg, target);
    return;
  }
  const url = target === 'retained' ? element.dataset.rerunRetained : element.dataset.rerunAllocated;
  if (!url?.startsWith('/') || url.startsWith('//')) return;
  state.busy = true;
  for (const button of viewButtons) button.setAttribute('aria-busy', 'true');
  say(
    fg,
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
    if (await load(fg, src, true)) {
      state.sources[target] = { src, id };
      setView(fg, target);
    }
  } catch (error) {
    say(fg, `Could not get the ${target} view: ${error?.message ?? String(error)}`, 'error');
  } finally {
    state.busy = false;
    for (const button of viewButtons) button.removeAttribute('aria-busy');
  }
}

/** Marks `view` as shown, and says which re-run it came from. */
function setView(fg, view) {
  const { doc, element, state, viewButtons, notes, base } = fg;
  state.view = view;
  element.dataset.view = view;
  for (const button of viewButtons) button.setAttribute('aria-pressed', String(button.dataset.view === view));
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
