// ramflow toolbar: opens/closes the panel, hides/shows the badge (remembered), keyboard accessible.
// Runs under a strict CSP: served from the ramflow base path, no inline code, no eval.
(() => {
  const STORAGE_KEY = 'ramflow:hidden';
  for (const host of document.querySelectorAll('ramflow-toolbar')) {
    let root = host.shadowRoot;
    if (!root) {
      // Browsers without declarative shadow DOM: attach the shadow root from the template by hand.
      const template = host.querySelector('template[shadowrootmode]');
      if (!template) continue;
      root = host.attachShadow({ mode: 'open' });
      root.appendChild(template.content.cloneNode(true));
      template.remove();
    }
    if (host.dataset.ramflowReady) continue;
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
      hide.textContent = hidden ? 'R' : '×';
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
  }
})();
