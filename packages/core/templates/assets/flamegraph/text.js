// flamegraph/text.js: figures and box labels as text. formatBytes and formatSignedBytes are not here: they are
// src/format.ts's own functions, which Templates.asset copies ahead of the parts, so the browser prints bytes
// exactly as the server does.

/** A share of the whole as a percentage: `73.9%`, `<0.1%`. */
function formatShare(share) {
  if (!Number.isFinite(share)) return 'n/a';
  if (share > 0 && share < 0.0005) return '<0.1%';
  return `${(share * 100).toFixed(1)}%`;
}

/** The text drawn in box `i`: its function's name, or `all · <bytes>` for the root. */
function labelOf(fg, i) {
  const g = fg.state.g;
  if (i === 0) return `all \u00b7 ${formatBytes(g.total[0])}`;
  return g.frames[g.frame[i]].name;
}
