// ramflow toolbar: opens/closes the panel, hides/shows the badge (remembered), switches tabs (keyboard too),
// loads each panel from the ramflow base path the first time it is shown, swaps the header-time figures for the
// settled record, and counts the page's own fetch/XHR calls that calls.js tagged (History tab, live).
// Runs under a strict CSP: served from the ramflow base path, no inline code, no eval, no style attributes.
(() => {
  const STORAGE_KEY = 'ramflow:hidden';
  const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-z]{1,12}$/;
  const CALLS = Symbol.for('ramflow.calls');

  function setup(host) {
    let root = host.shadowRoot;
    if (!root) {
      // Browsers without declarative shadow DOM: attach the shadow root from the template by hand.
      const template = host.querySelector('template[shadowrootmode]');
      if (!template) return;
      root = host.attachShadow({ mode: 'open' });
      root.appendChild(template.content.cloneNode(true));
      template.remove();
    }
    if (host.dataset.ramflowReady) return;
    host.dataset.ramflowReady = '1';
    const base = host.dataset.ramflowBase || '';
    const id = host.dataset.ramflowId || '';
    const valid = ID_PATTERN.test(id);
    const badge = root.querySelector('.rf-badge');
    const panel = root.querySelector('.rf-panel');
    const close = root.querySelector('.rf-close');
    const hide = root.querySelector('.rf-hide');
    const tabs = [...root.querySelectorAll('[role="tab"]')];
    const open = root.querySelector('.rf-open');
    const pageLink = open ? open.getAttribute('href') : '';
    // The request the panels show: this page's, or a call the History tab switched to.
    let currentId = id;
    const loaded = new Map();

    const bodyOf = (name) => root.querySelector(`[data-panel="${name}"]`);
    const selected = () => tabs.find((tab) => tab.getAttribute('aria-selected') === 'true') || tabs[0];

    // Loads a panel's HTML (rendered and escaped by ramflow's templates) into its tab.
    async function loadPanel(name, query) {
      const body = bodyOf(name);
      if (!body || !valid) return;
      loaded.set(name, query || '');
      body.setAttribute('aria-busy', 'true');
      const forId = currentId;
      try {
        const response = await fetch(
          `${base}/api/requests/${forId}/panels/${name}${query ? `?${query}` : ''}`,
          { headers: { accept: 'text/html' } },
        );
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const html = await response.text();
        // The panels were switched to another request meanwhile: this answer is stale.
        if (forId !== currentId) return;
        body.innerHTML = html;
        globalThis.ramflowFlameGraph?.mountAll(body);
        body.dataset.loaded = '1';
      } catch (error) {
        if (forId !== currentId) return;
        loaded.delete(name);
        const message = document.createElement('p');
        message.className = 'rf-why-not';
        message.textContent = `Could not load this panel (${error?.message ? error.message : error}). The record may have been evicted from the bounded history.`;
        body.replaceChildren(message);
      } finally {
        if (forId === currentId) body.removeAttribute('aria-busy');
      }
    }

    function selectTab(tab, focus) {
      for (const other of tabs) {
        const on = other === tab;
        other.setAttribute('aria-selected', String(on));
        other.tabIndex = on ? 0 : -1;
        const body = bodyOf(other.dataset.tab);
        if (body) body.hidden = !on;
      }
      if (focus) tab.focus();
      const name = tab.dataset.tab;
      // The page's Summary comes with the settled record (see settle); panels load on first view.
      if (!loaded.has(name)) loadPanel(name, '');
    }

    const setOpen = (open) => {
      panel.hidden = !open;
      badge.setAttribute('aria-expanded', String(open));
      if (open) selectTab(selected(), true);
      else badge.focus();
    };
    const setHidden = (hidden) => {
      if (hidden) {
        host.setAttribute('data-hidden', '');
        panel.hidden = true;
      } else host.removeAttribute('data-hidden');
      hide.setAttribute('aria-label', hidden ? 'Show the ramflow toolbar' : 'Hide the ramflow toolbar');
      hide.textContent = hidden ? 'R' : '\u00d7';
      try {
        if (hidden) localStorage.setItem(STORAGE_KEY, '1');
        else localStorage.removeItem(STORAGE_KEY);
      } catch {}
    };
    let stored = null;
    try {
      stored = localStorage.getItem(STORAGE_KEY);
    } catch {}
    if (stored === '1') setHidden(true);
    badge.addEventListener('click', () => setOpen(panel.hidden));
    close.addEventListener('click', () => setOpen(false));
    hide.addEventListener('click', () => setHidden(!host.hasAttribute('data-hidden')));
    for (const tab of tabs) tab.addEventListener('click', () => selectTab(tab, false));
    root.querySelector('[role="tablist"]')?.addEventListener('keydown', (event) => {
      const index = tabs.indexOf(selected());
      const next = {
        ArrowRight: index + 1,
        ArrowLeft: index - 1,
        Home: 0,
        End: tabs.length - 1,
      }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length], true);
    });
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !panel.hidden && !event.defaultPrevented) {
        event.stopPropagation();
        setOpen(false);
      }
    });
    // History: show another request (a call this page made) in the panels, and come back.
    const viewing = root.querySelector('.rf-viewing');
    function switchTo(requestId, label) {
      if (!ID_PATTERN.test(requestId)) return;
      currentId = requestId;
      loaded.clear();
      // The panels showed the other request: empty them, so nothing stale is read while the new ones load.
      for (const tab of tabs) {
        const body = bodyOf(tab.dataset.tab);
        if (!body) continue;
        body.replaceChildren();
        body.removeAttribute('aria-busy');
        delete body.dataset.loaded;
      }
      if (open) open.setAttribute('href', requestId === id ? pageLink : `${base}/requests/${requestId}`);
      if (viewing) {
        viewing.hidden = requestId === id;
        const text = viewing.querySelector('[data-ramflow="viewing"]');
        if (text) text.textContent = label || requestId;
      }
      const summary = tabs.find((tab) => tab.dataset.tab === 'summary') || tabs[0];
      selectTab(requestId === id ? selected() : summary, true);
    }
    viewing?.querySelector('button')?.addEventListener('click', () => switchTo(id, ''));
    root.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('[data-rf-switch]') : null;
      if (!button) return;
      event.preventDefault();
      switchTo(button.dataset.rfSwitch, button.dataset.rfLabel);
    });
    // A panel's own choices (e.g. the Allocations frame filter) reload just that panel.
    root.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[data-rf-panel-query]') : null;
      const body = link?.closest('[data-panel]');
      if (!link || !body) return;
      event.preventDefault();
      loadPanel(body.dataset.panel, link.dataset.rfPanelQuery);
    });
    if (valid) {
      loaded.set('summary', '');
      settle(root, base, id, () => currentId === id);
      followCalls(root, id, () => {
        if (loaded.has('history')) loadPanel('history', loaded.get('history'));
      });
    }
  }

  // The badge was rendered when the headers were written; the stored record has the settled figures.
  async function settle(root, base, id, showsPage) {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const response = await fetch(`${base}/api/requests/${id}/toolbar`, {
          headers: { accept: 'application/json' },
        });
        if (response.ok) {
          const data = await response.json();
          root.querySelector('[data-ramflow="heap-delta"]').textContent = data.heapDelta;
          root.querySelector('[data-ramflow="allocated"]').textContent = `${data.allocated} alloc`;
          root.querySelector('.rf').dataset.severity = data.severity;
          const body = root.querySelector('[data-panel="summary"]');
          if (body && showsPage() && typeof data.summaryHtml === 'string') {
            body.innerHTML = data.summaryHtml;
            body.dataset.loaded = '1';
          }
          root.host.dataset.ramflowSettled = '1';
          return;
        }
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }

  // The page's own fetch/XHR calls are tagged by calls.js (injected first in <head>); each answer's X-Ramflow-Id
  // counts on the badge and refreshes the History tab.
  function followCalls(root, pageId, changed) {
    const state = window[CALLS];
    if (!state || state.pageId !== pageId || state.followed) return;
    state.followed = true;
    let calls = 0;
    let pending;
    const counter = root.querySelector('[data-ramflow="calls"]');
    const count = () => {
      calls += 1;
      if (counter) {
        counter.hidden = false;
        counter.textContent = ` +${calls} call${calls === 1 ? '' : 's'}`;
        counter.title = `${calls} fetch/XHR call${calls === 1 ? '' : 's'} made by this page were profiled: see History`;
      }
      clearTimeout(pending);
      pending = setTimeout(changed, 150);
    };
    // Calls made before the toolbar loaded (a single-page app's first fetches) count too.
    for (let i = 0; i < state.seen.length; i++) count();
    state.listeners.push(count);
  }

  for (const host of document.querySelectorAll('ramflow-toolbar')) setup(host);
})();
