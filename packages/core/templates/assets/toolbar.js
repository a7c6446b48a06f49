// ramflow toolbar: opens/closes the panel, hides/shows the badge (remembered), keyboard accessible, and swaps
// the header-time figures for the settled record once ramflow has measured the request's garbage collections.
// Runs under a strict CSP: served from the ramflow base path, no inline code, no eval.
(() => {
  const STORAGE_KEY = 'ramflow:hidden';

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
    const badge = root.querySelector('.rf-badge');
    const panel = root.querySelector('.rf-panel');
    const close = root.querySelector('.rf-close');
    const hide = root.querySelector('.rf-hide');
    const setOpen = (open) => {
      panel.hidden = !open;
      badge.setAttribute('aria-expanded', String(open));
      if (open) panel.querySelector('[role="tab"][aria-selected="true"]')?.focus();
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
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !panel.hidden) {
        event.stopPropagation();
        setOpen(false);
      }
    });
    settle(host, root);
  }

  // The badge was rendered when the headers were written; the stored record has the settled figures.
  async function settle(host, root) {
    const base = host.dataset.ramflowBase;
    const id = host.dataset.ramflowId;
    if (!base || !/^[0-9a-f]{8}-[0-9a-z]{1,12}$/.test(id || '')) return;
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
          if (body && typeof data.summaryHtml === 'string') body.innerHTML = data.summaryHtml;
          host.dataset.ramflowSettled = '1';
          return;
        }
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }

  for (const host of document.querySelectorAll('ramflow-toolbar')) setup(host);
})();
