// ramflow call tagging: the page's own fetch/XHR calls to its origin carry this page's id (X-Ramflow-Parent), so
// their records link back to the page. Injected as a classic script at the start of <head> (before any of the
// page's scripts, module scripts included, run), with the page's id in data-ramflow-id; the toolbar, which loads
// deferred at the end of the body, subscribes to the calls seen (window[Symbol.for('ramflow.calls')]). The
// wrappers pass every argument, result and error through unchanged. Runs under a strict CSP: served from the
// ramflow base path, no inline code, no eval.
(() => {
  const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-z]{1,12}$/;
  const KEY = Symbol.for('ramflow.calls');
  const script = document.currentScript;
  const pageId = script?.dataset.ramflowId || '';
  if (window[KEY] || !ID_PATTERN.test(pageId)) return;
  // The ids of the calls seen so far, and who wants to hear of the next ones.
  const state = { pageId, seen: [], listeners: [] };
  window[KEY] = state;
  const seen = (ramflowId) => {
    if (!ramflowId || !ID_PATTERN.test(ramflowId) || ramflowId === pageId) return;
    state.seen.push(ramflowId);
    if (state.seen.length > 1000) state.seen.shift();
    for (const listener of state.listeners) {
      try {
        listener(ramflowId);
      } catch {}
    }
  };
  const sameOrigin = (url) => {
    try {
      return new URL(url, location.href).origin === location.origin;
    } catch {
      return false;
    }
  };

  const originalFetch = window.fetch;
  if (typeof originalFetch === 'function') {
    window.fetch = function ramflowFetch(input, init) {
      let args = [input, init];
      try {
        const url = input instanceof Request ? input.url : String(input);
        if (sameOrigin(url)) {
          const headers = new Headers(
            init && init.headers !== undefined
              ? init.headers
              : input instanceof Request
                ? input.headers
                : undefined,
          );
          if (!headers.has('x-ramflow-parent')) headers.set('x-ramflow-parent', pageId);
          args = [input, { ...init, headers }];
        }
      } catch {
        args = [input, init];
      }
      const result = originalFetch.apply(this, args);
      result.then(
        (response) => {
          try {
            seen(response.headers.get('x-ramflow-id'));
          } catch {}
        },
        () => {},
      );
      return result;
    };
  }

  const XHR = window.XMLHttpRequest;
  if (XHR?.prototype) {
    const open = XHR.prototype.open;
    const send = XHR.prototype.send;
    XHR.prototype.open = function ramflowOpen(method, url, ...rest) {
      try {
        this.__ramflowSameOrigin = sameOrigin(String(url));
      } catch {}
      return open.call(this, method, url, ...rest);
    };
    XHR.prototype.send = function ramflowSend(body) {
      try {
        if (this.__ramflowSameOrigin) {
          this.setRequestHeader('x-ramflow-parent', pageId);
          this.addEventListener('loadend', () => {
            try {
              seen(this.getResponseHeader('x-ramflow-id'));
            } catch {}
          });
        }
      } catch {}
      return send.call(this, body);
    };
  }
})();
