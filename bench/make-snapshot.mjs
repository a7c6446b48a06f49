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

const HEAP_MIX = new URL('./snapshot-workers/heap-mix.mjs', import.meta.url).href;

export function makeSnapshot(targetMb, path) {
  const child = `
    import { writeHeapSnapshot } from 'node:v8';
    import { buildHeap } from ${JSON.stringify(HEAP_MIX)};
    buildHeap(${Math.round((targetMb * 1024 * 1024) / 1.8)});
    writeHeapSnapshot(${JSON.stringify(path)});
  `;
  const result = spawnSync(
    process.execPath,
    ['--max-old-space-size=8192', '--input-type=module', '-e', child],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error(`snapshot child exited with ${result.status}`);
  return statSync(path).size;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = makeSnapshot(mb, out);
  console.log(`${out} ${(size / 1024 / 1024).toFixed(1)} MB`);
}
