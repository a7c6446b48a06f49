// flamegraph/elements.js: the DOM of one flame graph. `build` takes the template's controls (or makes its own)
// and adds the status line, the canvas, the tooltip, the legend, the notes and the accessible list of boxes. The
// object it returns, `fg`, is what the functions of every other part take: these elements, the element's
// settings (`diff`, `base`, `hideDefault`), and `fg.state`, added by graph() (mount.js).

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

/** The template's controls when it has them, else ours: search, reset, and the two hide toggles. */
function controlsOf(element, doc, hideDefault) {
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
  return controls;
}

/** Finds or makes the parts of a `.rf-flame` element, in their order on the page. */
function build(element) {
  const doc = element.ownerDocument;
  const win = doc.defaultView || globalThis;
  const diff = element.dataset.mode === 'diff';
  const base = element.dataset.base || '';
  const hideDefault = (element.dataset.hide ?? 'node,ramflow').split(',');

  const controls = controlsOf(element, doc, hideDefault);
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

  return {
    element,
    doc,
    win,
    diff,
    base,
    hideDefault,
    searchBox,
    resetButton,
    hideInternal,
    hideDeps,
    viewButtons,
    message,
    searchResult,
    orientation,
    stage,
    scroller,
    canvas,
    tip,
    details,
    legend,
    notes,
    removed,
    a11y,
    state: null,
  };
}

/** Shows `text` in the status line (hidden when empty); `tone` 'error' marks a failure. */
function say(fg, text, tone) {
  const { message } = fg;
  message.textContent = text;
  message.hidden = text === '';
  if (tone) message.dataset.tone = tone;
  else delete message.dataset.tone;
}
