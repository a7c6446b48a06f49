// flamegraph/interaction.js: what the user does to a graph. Hover shows a tooltip, a click zooms on a box (and
// shows its details line with an editor link), Escape and the reset button zoom out; the search box, the hide
// toggles and the view buttons reload or redraw. `listen` wires them all; `safe` shows a handler's failure in
// the status line instead of throwing.

/** The mouse position in CSS pixels from the canvas's top left. */
function pointer(fg, event) {
  const rect = fg.canvas.getBoundingClientRect();
  return { x: event.clientX - rect.left, y: event.clientY - rect.top };
}

function showTip(fg, i, event) {
  const { doc, diff, element, state, tip } = fg;
  const g = state.g;
  const frame = g.frames[g.frame[i]];
  const whole = g.total[0];
  tip.textContent = '';
  tip.append(make(doc, 'strong', 'rf-flame-tip-name', i === 0 ? 'all (the whole profile)' : frame.name));
  if (i !== 0) {
    tip.append(make(doc, 'div', 'rf-flame-tip-loc', `${frame.location} \u00b7 ${KINDS[frame.kind].label}`));
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

/** The line under the graph about the zoomed box: name, editor link and bytes (hidden for the root). */
function showDetails(fg, i) {
  const { doc, diff, state, details } = fg;
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

function zoomTo(fg, i) {
  fg.state.zoom = i;
  showDetails(fg, i);
  schedule(fg, true);
}

/** The handler, with its failure (thrown or rejected) shown in the status line. */
function safe(fg, handler) {
  return (event) => {
    try {
      const result = handler(event);
      if (result && typeof result.catch === 'function') {
        result.catch((error) => say(fg, `Flame graph error: ${error?.message ?? String(error)}`, 'error'));
      }
    } catch (error) {
      say(fg, `Flame graph error: ${error?.message ?? String(error)}`, 'error');
    }
  };
}

/** Wires the canvas, the controls and resizing to the graph. */
function listen(fg) {
  const {
    win,
    element,
    state,
    canvas,
    stage,
    tip,
    searchBox,
    resetButton,
    hideInternal,
    hideDeps,
    viewButtons,
  } = fg;
  canvas.addEventListener(
    'mousemove',
    safe(fg, (event) => {
      if (!state.g) return;
      const at = pointer(fg, event);
      const i = hit(fg, at.x, at.y);
      if (i !== state.hover) {
        state.hover = i;
        canvas.style.cursor = i >= 0 ? 'pointer' : 'default';
        schedule(fg, false);
      }
      if (i >= 0) showTip(fg, i, event);
      else tip.hidden = true;
    }),
  );
  canvas.addEventListener(
    'mouseleave',
    safe(fg, () => {
      tip.hidden = true;
      if (state.hover !== -1) {
        state.hover = -1;
        schedule(fg, false);
      }
    }),
  );
  canvas.addEventListener(
    'click',
    safe(fg, (event) => {
      if (!state.g) return;
      const at = pointer(fg, event);
      const i = hit(fg, at.x, at.y);
      if (i >= 0) zoomTo(fg, i);
    }),
  );
  canvas.addEventListener(
    'keydown',
    safe(fg, (event) => {
      if (event.key === 'Escape' && state.zoom !== 0) {
        event.stopPropagation();
        event.preventDefault();
        zoomTo(fg, 0);
      }
    }),
  );
  stage.addEventListener(
    'scroll',
    safe(fg, () => {
      tip.hidden = true;
      schedule(fg, false);
    }),
  );
  resetButton?.addEventListener(
    'click',
    safe(fg, () => zoomTo(fg, 0)),
  );
  searchBox?.addEventListener(
    'input',
    safe(fg, () => {
      state.query = searchBox.value.trim().toLowerCase();
      computeMatches(fg);
      schedule(fg, true);
    }),
  );
  for (const box of [hideInternal, hideDeps]) {
    box?.addEventListener(
      'change',
      safe(fg, () => load(fg, state.sources[state.view]?.src, false)),
    );
  }
  for (const button of viewButtons) {
    button.addEventListener(
      'click',
      safe(fg, () => switchView(fg, button.dataset.view === 'retained' ? 'retained' : 'allocated')),
    );
  }
  if (typeof win.ResizeObserver === 'function') {
    const observer = new win.ResizeObserver(() => {
      // A panel replaced by new HTML: stop watching the old graph.
      if (!element.isConnected) observer.disconnect();
      else schedule(fg, false);
    });
    observer.observe(stage);
  } else {
    win.addEventListener('resize', () => schedule(fg, false));
  }
}
