// ramflow dashboard pages: mounts the flame graphs (flamegraph.js, loaded before this script). Everything else on
// these pages is plain HTML rendered and escaped by the server; links and forms work without script.
(() => {
  globalThis.ramflowFlameGraph?.mountAll(document);
})();
