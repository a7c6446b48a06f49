// flamegraph/layout.js: the geometry. Where each box goes at the current zoom and width (`state.rows`, one
// sorted list of boxes per depth), the accessible list of those boxes, and which box is under a point.

/** Which boxes are visible at this zoom and width, row by row, and the accessible list of them. */
function layoutBoxes(fg, width) {
  const { doc, diff, state, a11y, canvas } = fg;
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
function hit(fg, x, y) {
  const row = fg.state.rows[Math.floor((y + fg.stage.scrollTop) / ROW)];
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
