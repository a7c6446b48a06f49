import { readFileSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { CgroupMemory } from '../types.js';

/**
 * v1 has no "max" keyword: an unlimited cgroup reports a page-aligned 2^63 - 1 (9223372036854771712), and a
 * limit above the machine's memory can never be hit before the host itself runs out. So a v1 limit counts as
 * unlimited when it is ≥ 2^60 or above the host's total memory.
 */
const V1_UNLIMITED_FROM = 2 ** 60;

/**
 * Reads the memory limit, usage and peak of this process's cgroup, so the process view can say how close the
 * process is to being OOM-killed in its container rather than to the host's memory.
 *
 * Parses `/proc/self/cgroup`: the line whose controllers include `memory` means cgroup v1 (also on hybrid
 * hosts, where the memory controller stays on v1); otherwise the `0::/path` line means v2. The files are read
 * under `sys/fs/cgroup/<path>` (v2) or `sys/fs/cgroup/memory/<path>` (v1), falling back to the mount root when
 * that directory does not exist: inside a container with its own cgroup namespace or a bind-mounted
 * `/sys/fs/cgroup`, the process's cgroup is the root of what it sees.
 *
 * Never throws; returns `undefined` when no cgroup memory file is readable (not Linux, no memory controller).
 * Synchronous file reads: call it rarely and cache the result.
 *
 * @param root prefix of the file system tree, `/` by default; tests point it at fixture trees.
 */
export function readCgroupMemory(root = '/'): CgroupMemory | undefined {
  const proc = readText(join(root, 'proc/self/cgroup'));
  if (proc === undefined) return undefined;
  const entry = parseProcCgroup(proc);
  if (entry === undefined) return undefined;
  const mount = join(root, entry.version === 2 ? 'sys/fs/cgroup' : 'sys/fs/cgroup/memory');
  const own = join(mount, entry.path);
  const dir = isDirectory(own) ? own : mount;
  const memory = entry.version === 2 ? readV2(dir) : readV1(dir);
  if (memory.limitBytes === undefined && memory.usageBytes === null) return undefined;
  return {
    version: entry.version,
    limitBytes: memory.limitBytes ?? null,
    usageBytes: memory.usageBytes,
    peakBytes: memory.peakBytes,
    path: entry.path,
  };
}

interface ProcEntry {
  version: 1 | 2;
  path: string;
}

/** Lines are `hierarchy-id:controller-list:path`; the path itself may contain colons. */
function parseProcCgroup(text: string): ProcEntry | undefined {
  let v2: ProcEntry | undefined;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const id = line.slice(0, first);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1).trim() || '/';
    if (controllers.split(',').includes('memory')) return { version: 1, path };
    if (id === '0' && controllers === '') v2 = { version: 2, path };
  }
  return v2;
}

/** `limitBytes`: a number or `null` when read, `undefined` when the limit file is missing. */
interface RawMemory {
  limitBytes: number | null | undefined;
  usageBytes: number | null;
  peakBytes: number | null;
}

function readV2(dir: string): RawMemory {
  const max = readText(join(dir, 'memory.max'))?.trim();
  return {
    limitBytes: max === undefined ? undefined : max === 'max' ? null : parseBytes(max),
    usageBytes: readBytes(join(dir, 'memory.current')),
    peakBytes: readBytes(join(dir, 'memory.peak')),
  };
}

function readV1(dir: string): RawMemory {
  const limit = readText(join(dir, 'memory.limit_in_bytes'));
  let limitBytes: number | null | undefined;
  if (limit !== undefined) {
    const bytes = parseBytes(limit);
    limitBytes = bytes === null || bytes >= V1_UNLIMITED_FROM || bytes > totalmem() ? null : bytes;
  }
  return {
    limitBytes,
    usageBytes: readBytes(join(dir, 'memory.usage_in_bytes')),
    peakBytes: readBytes(join(dir, 'memory.max_usage_in_bytes')),
  };
}

function readBytes(file: string): number | null {
  const text = readText(file);
  return text === undefined ? null : parseBytes(text);
}

function parseBytes(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  return Number(trimmed);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
