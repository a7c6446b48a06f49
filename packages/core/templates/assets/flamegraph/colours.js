// flamegraph/colours.js: the colour of each box and the legend that explains them. A single profile colours
// boxes by frame kind (app, node_modules, Node.js, ramflow), with search matches in their own colour; a diff
// colours them by change from A to B: red grew, blue shrank, darker the more, grey unchanged.

function hsl(color) {
  return `hsl(${color[0]}, ${color[1]}%, ${color[2]}%)`;
}

/** A small stable number from a name, to vary the shade of neighbouring boxes. */
function hash(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(h);
}

function buildLegend(fg) {
  const { doc, legend, diff } = fg;
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

/** The fill of box `i`, as [hue, saturation %, lightness %]. */
function fillFor(fg, i) {
  const g = fg.state.g;
  if (fg.diff) {
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
  if (fg.state.match?.[i]) return MATCH_COLOR;
  if (i === 0) return ROOT_COLOR;
  const frame = g.frames[g.frame[i]];
  const base = KINDS[frame.kind].hsl;
  return [base[0], base[1], base[2] + ((hash(frame.name) % 11) - 5)];
}
