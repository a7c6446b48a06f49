import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  AllocationProfile,
  FrameKind,
  FunctionRow,
  ProfileFrame,
  ProfileTreeNode,
  TopFunctionsOptions,
} from '../types.js';

/** Index of the synthetic `(root)` frame in `AllocationProfile.frames`. */
const ROOT_FRAME = 0;

/**
 * The functions that allocated most, one row per distinct frame, ranked by self or total bytes (ties broken by the
 * other figure, then by name). Rows whose ranking figure is zero are left out, and so is `(root)`. With `hide`,
 * hidden frames never appear; their bytes are attributed to the nearest visible caller first.
 */
export function topFunctions(profile: AllocationProfile, options: TopFunctionsOptions): FunctionRow[] {
  const view = options.hide && options.hide.size > 0 ? hideFrames(profile, options.hide) : profile;
  const self = new Map<number, number>();
  const total = new Map<number, number>();
  const onPath = new Map<number, number>();
  const visit = (node: ProfileTreeNode): void => {
    self.set(node.frame, (self.get(node.frame) ?? 0) + node.selfBytes);
    const depth = onPath.get(node.frame) ?? 0;
    // Only the outermost occurrence of a frame on a path counts towards its total: inner ones are inside it.
    if (depth === 0) total.set(node.frame, (total.get(node.frame) ?? 0) + node.totalBytes);
    onPath.set(node.frame, depth + 1);
    for (const child of node.children) visit(child);
    onPath.set(node.frame, depth);
  };
  visit(view.root);

  const whole = profile.totalBytes;
  const share = (bytes: number): number => (whole > 0 ? bytes / whole : 0);
  const rows: FunctionRow[] = [];
  for (const [index, totalBytes] of total) {
    const frame = view.frames[index];
    if (index === ROOT_FRAME || frame === undefined) continue;
    const selfBytes = self.get(index) ?? 0;
    if ((options.by === 'self' ? selfBytes : totalBytes) <= 0) continue;
    rows.push({ frame, selfBytes, totalBytes, selfShare: share(selfBytes), totalShare: share(totalBytes) });
  }
  const [first, second] =
    options.by === 'self' ? (['selfBytes', 'totalBytes'] as const) : (['totalBytes', 'selfBytes'] as const);
  rows.sort(
    (a, b) => b[first] - a[first] || b[second] - a[second] || a.frame.name.localeCompare(b.frame.name),
  );
  return options.limit === undefined ? rows : rows.slice(0, Math.max(0, options.limit));
}

/** A node of the tree being rebuilt, with its children by frame so that same-frame siblings merge. */
interface Building {
  node: ProfileTreeNode;
  byFrame: Map<number, Building>;
}

/**
 * A copy of the profile with the frames of the given kinds removed from its tree. A hidden node's own bytes and
 * samples go to its nearest visible ancestor (the root when it has none) and its children are re-parented there,
 * merged with any sibling of the same frame. Frame indices, `totalBytes` and the root's total are unchanged; only
 * nodes are moved. The root is never hidden.
 */
export function hideFrames(profile: AllocationProfile, kinds: ReadonlySet<FrameKind>): AllocationProfile {
  const isHidden = (frame: number): boolean => {
    const kind = profile.frames[frame]?.kind;
    return frame !== ROOT_FRAME && kind !== undefined && kinds.has(kind);
  };
  const fresh = (frame: number): Building => ({
    node: { frame, selfBytes: 0, totalBytes: 0, samples: 0, children: [] },
    byFrame: new Map(),
  });
  const place = (source: ProfileTreeNode, parent: Building): void => {
    let target = parent;
    if (!isHidden(source.frame)) {
      let child = parent.byFrame.get(source.frame);
      if (child === undefined) {
        child = fresh(source.frame);
        parent.byFrame.set(source.frame, child);
        parent.node.children.push(child.node);
      }
      target = child;
    }
    target.node.selfBytes += source.selfBytes;
    target.node.samples += source.samples;
    for (const child of source.children) place(child, target);
  };
  const root = fresh(profile.root.frame);
  root.node.selfBytes = profile.root.selfBytes;
  root.node.samples = profile.root.samples;
  for (const child of profile.root.children) place(child, root);
  sumTotals(root.node);
  return { ...profile, frames: [...profile.frames], root: root.node, notes: [...profile.notes] };
}

/** Sets every node's `totalBytes` to its own bytes plus its children's totals; returns the root's. */
function sumTotals(node: ProfileTreeNode): number {
  let bytes = node.selfBytes;
  for (const child of node.children) bytes += sumTotals(child);
  node.totalBytes = bytes;
  return bytes;
}

/**
 * A short location for a frame, `file.js:12` style: the path inside `node_modules` for dependencies (the part
 * after the last `node_modules/`), the path relative to the working directory for the app's files, `node:` URLs
 * as they are, and `(native)` for builtins without a URL. The line is appended when known.
 */
export function formatLocation(frame: ProfileFrame): string {
  if (frame.url === '') return '(native)';
  const suffix = frame.line > 0 ? `:${frame.line}` : '';
  return `${shortPath(frame.url)}${suffix}`;
}

function shortPath(url: string): string {
  const path = filePath(url);
  if (path === undefined) return url;
  const slashed = path.replaceAll('\\', '/');
  const modules = slashed.lastIndexOf('/node_modules/');
  if (modules >= 0) return slashed.slice(modules + '/node_modules/'.length);
  const fromCwd = relative(process.cwd(), path).replaceAll('\\', '/');
  // Outside the working directory a relative path is only `../` noise: keep the absolute one.
  return fromCwd === '' || fromCwd.startsWith('../') ? slashed : fromCwd;
}

/** The filesystem path of a `file://` URL or of a bare absolute path (how V8 names some scripts), else undefined. */
export function filePath(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return decodeURIComponentSafe(url.slice('file://'.length));
    }
  }
  if (url.startsWith('/') || /^[A-Za-z]:[\\/]/.test(url)) return url;
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
