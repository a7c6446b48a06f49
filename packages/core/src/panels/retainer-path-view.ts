/**
 * Retainer paths for people: a path as a list of steps (the holder, and the reference it keeps to the next
 * one), with V8's internal root categories at its start folded into one "GC root (…)" step, closure scopes
 * (`system / Context`) named as such and their context edges as variables, and the object the path reaches
 * marked. The raw text, as DevTools' Retainers panel would spell it, is kept for the curious (and for search).
 */
import type { RetainerPath, RetainerStep } from '../types.js';

/** How a step's holder keeps the next one. */
export type RetainerEdgeKind = 'property' | 'element' | 'variable' | 'internal' | 'other' | 'none';

/** One holder of a path and its reference to the next step. */
export interface RetainerStepView {
  /** The holder as shown: its class, or `closure scope` for V8's `system / Context`. */
  holder: string;
  /** The holder's class as the snapshot names it. */
  holderRaw: string;
  holderType: string;
  edgeKind: RetainerEdgeKind;
  /**
   * The reference as shown: `.cache`, `["a b"]`, `[12]`, a variable's bare name (the template writes
   * "variable" before it), an engine-internal field's name (`elements`), or empty.
   */
  edge: string;
  /** The holder or the reference is engine-internal (shown muted). */
  internal: boolean;
  /** The step in full, for a tooltip: `closure scope (system / Context) → variable retained`. */
  title: string;
}

/** V8's internal roots a path starts with, folded into one step. */
export interface RetainerRootView {
  /** `GC root`, or `GC root (Handle scope)` naming the root categories. */
  label: string;
  /** The folded steps as raw text, for a tooltip. */
  title: string;
}

/** A retainer path ready for the template. */
export interface RetainerPathView {
  /** The raw path, e.g. `(root) [1] → (GC roots) [11] → … → Array [0] → LeakyWidget`. */
  text: string;
  /** Only the object's end of the path was kept: the steps nearer the root are not shown. */
  truncated: boolean;
  /** The folded start of the path, or undefined when it has none (or was cut). */
  root: RetainerRootView | undefined;
  /** The holders after the root, root side first; the last one holds the object. */
  steps: RetainerStepView[];
  /** The object the path reaches. */
  target: { name: string; type: string; id: number; title: string };
  /** The kinder path on one line: `GC root → global .cache → BlobCache .chunks → Array [0] → Buffer`. */
  summary: string;
}

/** Edge names of an identifier that reads as `.name`; others read as `["name"]`. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const CLOSURE_SCOPE = 'system / Context';

/** `(GC roots) → … → Array [12] → LeakyWidget`: each holder with the reference it keeps to the next hop. */
export function pathText(path: RetainerPath): string {
  const parts = path.steps.map(stepText);
  if (path.truncated) parts.splice(1, 0, '…');
  return [...parts, path.target.name].join(' → ');
}

/** A step as raw text: `Array [12]`, `global .keep`, `system / Context (variable widgets)`. */
export function stepText(step: RetainerStep): string {
  return `${step.name}${edgeText(step)}`;
}

function edgeText(step: RetainerStep): string {
  switch (step.edgeType) {
    case 'element':
    case 'hidden':
      return step.edge.startsWith('[') ? ` ${step.edge}` : ` [${step.edge}]`;
    case 'context':
      return ` (variable ${step.edge})`;
    case 'property':
      return ` .${step.edge}`;
    default:
      return ` (${step.edgeType} ${step.edge})`;
  }
}

/**
 * A holder that only V8 has: the root, the GC root categories (`(GC roots)`, `(Global handles)`,
 * `(Handle scope)`, `(Internalized strings)`, …, all `synthetic` nodes) and V8's `hidden` system objects.
 */
export function isEngineRootStep(step: RetainerStep): boolean {
  return (
    step.type === 'synthetic' ||
    step.type === 'hidden' ||
    step.name === '(root)' ||
    step.name === '(GC roots)'
  );
}

/** The view of one path: see the module comment. */
export function retainerPathView(path: RetainerPath): RetainerPathView {
  const truncated = path.truncated === true;
  // A cut path starts mid-way: its first steps are not the root's.
  let prefix = 0;
  if (!truncated)
    while (prefix < path.steps.length && isEngineRootStep(path.steps[prefix] as RetainerStep)) prefix++;
  const folded = path.steps.slice(0, prefix);
  const root = prefix > 0 ? rootView(folded) : undefined;
  const steps = path.steps.slice(prefix).map(stepView);
  const { name, type, id } = path.target;
  const parts = [...(root ? [root.label] : []), ...(truncated ? ['…'] : []), ...steps.map(stepSummary), name];
  return {
    text: pathText(path),
    truncated,
    root,
    steps,
    target: { name, type, id, title: `${name} (${type}, @${id}): the object this path keeps alive` },
    summary: parts.join(' → '),
  };
}

/**
 * A key equal for paths that differ only in array indices (`Array [0] → Widget`, `Array [1] → Widget`), to show
 * one of them with a count of the others.
 */
export function similarPathKey(path: RetainerPath): string {
  return JSON.stringify([
    path.truncated === true,
    path.target.name,
    ...path.steps.map((step) => [
      step.name,
      step.edgeType,
      step.edgeType === 'element' || step.edgeType === 'hidden' ? '[i]' : step.edge,
    ]),
  ]);
}

function rootView(folded: readonly RetainerStep[]): RetainerRootView {
  const categories: string[] = [];
  for (const step of folded) {
    if (step.type !== 'synthetic' || step.name === '(root)' || step.name === '(GC roots)') continue;
    const name = step.name.replace(/^\((.*)\)$/, '$1');
    if (name !== '' && !categories.includes(name)) categories.push(name);
  }
  return {
    label: categories.length > 0 ? `GC root (${categories.join(' › ')})` : 'GC root',
    title: `Held from V8's roots: ${folded.map(stepText).join(' → ')}`,
  };
}

function stepView(step: RetainerStep): RetainerStepView {
  const scope = step.name === CLOSURE_SCOPE;
  const holder = scope ? 'closure scope' : step.name;
  const engineHolder = step.type === 'synthetic' || step.type === 'hidden';
  let edgeKind: RetainerEdgeKind;
  let edge: string;
  let words: string;
  switch (step.edgeType) {
    case 'property':
      edgeKind = 'property';
      edge = IDENTIFIER.test(step.edge) ? `.${step.edge}` : `[${JSON.stringify(step.edge)}]`;
      words = edge;
      break;
    case 'element':
    case 'hidden':
      edgeKind = step.edgeType === 'element' ? 'element' : 'internal';
      edge = step.edge.startsWith('[') ? step.edge : `[${step.edge}]`;
      words = edge;
      break;
    case 'context':
      edgeKind = 'variable';
      edge = step.edge;
      words = `variable ${step.edge}`;
      break;
    case 'internal':
      edgeKind = 'internal';
      edge = step.edge;
      words = `${step.edge} (V8-internal reference)`;
      break;
    case '':
      edgeKind = 'none';
      edge = '';
      words = '';
      break;
    default:
      edgeKind = 'other';
      edge = step.edge === '' ? step.edgeType : `${step.edgeType} ${step.edge}`;
      words = edge;
  }
  const holderWords = scope
    ? `closure scope (${CLOSURE_SCOPE}: variables a function closes over)`
    : step.name;
  return {
    holder,
    holderRaw: step.name,
    holderType: step.type,
    edgeKind,
    edge,
    internal: engineHolder || edgeKind === 'internal',
    title: words === '' ? holderWords : `${holderWords} → ${words}`,
  };
}

function stepSummary(step: RetainerStepView): string {
  if (step.edge === '') return step.holder;
  return step.edgeKind === 'variable'
    ? `${step.holder} → variable \`${step.edge}\``
    : `${step.holder} ${step.edge}`;
}
