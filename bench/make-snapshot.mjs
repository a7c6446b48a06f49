// Writes a realistic, object-dense V8 heap snapshot of about a given size, for parser benchmarks and tests.
//
//   node bench/make-snapshot.mjs --mb 200 --out /tmp/ramflow-200.heapsnapshot
//
// A child process builds a heap of mixed shapes (class instances, arrays, strings, closures, Maps, Buffers) and
// writes one snapshot with v8.writeHeapSnapshot; a snapshot file is about 1.8 x the used heap, so the child grows
// its heap to target / 1.8 first. Prints the path and the file's size.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { option } from './lib.mjs';

const args = process.argv.slice(2);
const mb = Number(option(args, 'mb', 200));
const out = option(args, 'out', `/tmp/ramflow-bench-${mb}mb.heapsnapshot`);

export function makeSnapshot(targetMb, path) {
  const child = `
    const v8 = require('node:v8');
    const targetHeap = ${Math.round((targetMb * 1024 * 1024) / 1.8)};
    class Order { constructor(i) { this.id = i; this.customer = 'customer-' + (i % 5000); this.lines = []; this.total = 0; } }
    class Line { constructor(o, i) { this.order = o; this.sku = 'sku-' + (i % 20000); this.qty = i % 7; this.price = i * 0.5; } }
    const keep = [];
    const index = new Map();
    let i = 0;
    while (process.memoryUsage().heapUsed < targetHeap) {
      for (let k = 0; k < 2000; k++, i++) {
        const order = new Order(i);
        for (let j = 0; j < 4; j++) order.lines.push(new Line(order, i * 4 + j));
        order.note = { text: 'note ' + i + ' \\u00e9\\u4e2d "quoted" \\\\ ' + (i % 13), tags: ['a' + (i % 50), 'b' + (i % 30)] };
        order.format = () => order.id + ':' + order.total;
        if (i % 97 === 0) order.blob = Buffer.alloc(256 + (i % 512), i % 256);
        index.set('k' + i, order);
        keep.push(order);
      }
    }
    globalThis.keep = keep;
    globalThis.index = index;
    v8.writeHeapSnapshot(${JSON.stringify(path)});
  `;
  const result = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', child], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`snapshot child exited with ${result.status}`);
  return statSync(path).size;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = makeSnapshot(mb, out);
  console.log(`${out} ${(size / 1024 / 1024).toFixed(1)} MB`);
}
