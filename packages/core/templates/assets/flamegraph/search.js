// flamegraph/search.js: the search box. Marks the boxes whose function name contains the query (substring,
// case-insensitive) and says how many functions match and how many bytes they hold, counted once.

/** Recomputes `state.match` (one flag per box, or null without a query) and the search result line. */
function computeMatches(fg) {
  const { state, searchResult } = fg;
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
