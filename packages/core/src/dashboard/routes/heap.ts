import type { SnapshotSide } from '../../backends/heap-snapshot/snapshot-files.js';
import { JSON_TYPE } from './exchange.js';
import type { Route } from './route.js';

/** A heap-snapshot request's analysis as JSON, and its two `.heapsnapshot` files when downloads are on. */
export const heapRoutes: readonly Route[] = [
  {
    path: /^\/api\/requests\/([^/]+)\/(heap\.json|before\.heapsnapshot|after\.heapsnapshot)$/,
    async handle(exchange, [id, route]) {
      const record = await exchange.record(id as string);
      if (record === undefined) return;
      const { host } = exchange;
      if (record.heap === undefined)
        return exchange.notFound(
          record.heapUnavailable ??
            `Request ${id} has no heap snapshots: ask for them with ?ramflow=snapshot or an X-Ramflow-Backend: heap-snapshot header.`,
        );
      if (route === 'heap.json') {
        exchange.send(
          200,
          JSON_TYPE,
          JSON.stringify({ id: record.id, request: record.request, heap: record.heap }),
          { 'content-disposition': `attachment; filename="ramflow-${record.id}-heap.json"` },
        );
        return;
      }
      if (!host.allowHeapSnapshots)
        return exchange.notFound(
          'Heap snapshot downloads are off: snapshots contain everything on the heap, secrets included. Start ramflow with allowHeapSnapshots: true to keep them.',
        );
      const side = (route as string).slice(0, (route as string).indexOf('.')) as SnapshotSide;
      const file = host.snapshotFile(record.id, side);
      if (file === undefined)
        return exchange.notFound(
          `The ${side} snapshot of request ${id} is gone: ramflow keeps the last few for a few minutes.`,
        );
      exchange.file(file, `ramflow-${record.id}-${side}.heapsnapshot`);
    },
  },
];
