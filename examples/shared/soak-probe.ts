import v8 from 'node:v8';
import vm from 'node:vm';

/** The prefix of the probe's answer lines on stdout. */
export const SOAK_PROBE_PREFIX = 'soak-probe ';

/** One reading: `process.memoryUsage()` and V8's own malloced memory. */
function answer(): void {
  const heap = v8.getHeapStatistics();
  const reading = {
    ...process.memoryUsage(),
    mallocedMemory: heap.malloced_memory,
  };
  process.stdout.write(`${SOAK_PROBE_PREFIX}${JSON.stringify(reading)}\n`);
}

/**
 * An opt-in memory probe for `bench/soak.mjs`, off unless `SOAK_PROBE=1`: the server then reads commands from
 * stdin, one a line, and answers each with one `soak-probe {json}` line on stdout. `memory` answers
 * `process.memoryUsage()` plus V8's malloc figures; `memory gc` first runs two full garbage collections, so
 * garbage does not count as growth, and answers a second later (V8 returns freed pages to the system from a
 * background thread; until then they still count in RSS). It is outside the app's request path (no route, no middleware) and costs
 * nothing when off.
 */
export function installSoakProbe(env: NodeJS.ProcessEnv = process.env): void {
  if (env.SOAK_PROBE !== '1') return;
  let gc: (() => void) | undefined;
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const command = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (command === 'memory gc') {
        if (gc === undefined) {
          v8.setFlagsFromString('--expose-gc');
          gc = vm.runInNewContext('gc') as () => void;
        }
        gc();
        gc();
        setTimeout(answer, 1000);
      } else if (command === 'memory') {
        answer();
      }
    }
  });
  // The probe never keeps the process alive on its own.
  (process.stdin as { unref?: () => void }).unref?.();
}
