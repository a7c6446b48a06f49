// flamegraph/drawing.js: painting the canvas. Every change asks for a frame (`schedule`); the frame sizes the
// canvas to the stage and the device's pixel ratio, lays the boxes out again when asked to (layout.js), and
// paints only the rows in view, with labels where they fit, search outlines in a diff, and the hovered box.

/** Draws on the next animation frame, laying out again first when any request since the last one asked to. */
function schedule(fg, layout) {
  const { state, win } = fg;
  if (layout) state.layoutPending = true;
  if (state.frame) return;
  state.frame = win.requestAnimationFrame(() => {
    state.frame = 0;
    const layoutNow = state.layoutPending;
    state.layoutPending = false;
    try {
      draw(fg, layoutNow);
    } catch (error) {
      say(fg, `Could not draw the flame graph: ${error?.message ?? String(error)}`, 'error');
    }
  });
}

/** Lays out the boxes at the current zoom and width (`layout`), then paints the rows in view. */
function draw(fg, layout) {
  const { element, win, diff, state, stage, scroller, canvas } = fg;
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
    layoutBoxes(fg, width);
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
      const color = fillFor(fg, i);
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
        const label = labelOf(fg, i);
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
