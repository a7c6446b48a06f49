/**
 * The compare page's template data (dashboard/compare.hbs): what the other files of this folder build, and what
 * the dashboard handler renders.
 */
import type { FrameKind } from '../../types.js';

/** The two requests to compare. */
export interface CompareIds {
  a: string;
  b: string;
  /**
   * True when the query named them `a` and `b`: that order is kept. From the history's checkboxes (`id` twice) the
   * older request becomes A and the newer B, so B − A reads "what changed since".
   */
  explicit: boolean;
}

/** One side's value in a comparison row. */
export interface CompareCell {
  text: string;
  /** What the figure means, or why it is n/a. */
  title: string | undefined;
  /** The record does not have this figure (`text` is `n/a: <reason>`). */
  na: boolean;
}

/** Which way B differs from A: drives the colour of the difference. */
export type CompareDirection = 'up' | 'down' | 'same' | 'na' | 'info';

/** A figure of both requests and B − A. */
export interface CompareRow {
  label: string;
  a: CompareCell;
  b: CompareCell;
  /** `+1.2 MB more`, `-3.0 ms faster`, `same`, `differs`, or `n/a: …`. */
  diff: string;
  direction: CompareDirection;
  note: string | undefined;
}

/** One request's header on the compare page. */
export interface CompareSide {
  label: 'A' | 'B';
  id: string;
  href: string;
  method: string;
  url: string;
  startedAt: string;
  statusCode: number;
  parentId: string | undefined;
  parentHref: string | undefined;
}

/** A function in either profile, its self bytes in each and the change. */
export interface FunctionDiffRow {
  name: string;
  location: string;
  kind: FrameKind;
  a: CompareCell;
  b: CompareCell;
  diff: string;
  direction: CompareDirection;
}

/** A class of new live objects in either heap diff, and the change. */
export interface HeapGroupDiffRow {
  name: string;
  type: string;
  aCount: string;
  bCount: string;
  countDiff: string;
  aRetained: string;
  bRetained: string;
  retainedDiff: string;
  direction: CompareDirection;
}

/** A comparison table, or the reasons it cannot be made. */
export type CompareSection<T> =
  | { available: true; rows: T[]; notes: string[] }
  | { available: false; reasons: string[] };

/** Template data of dashboard/compare.hbs for two records. */
export interface CompareView {
  ok: true;
  status: 200;
  basePath: string;
  a: CompareSide;
  b: CompareSide;
  /** `/compare?a=<b>&b=<a>`. */
  swapHref: string;
  /** Why A is A: the order given, or the older of the two. */
  orderNote: string;
  rows: CompareRow[];
  /** Things that make the differences less meaningful (shared windows, raw vs exact, different backends). */
  warnings: string[];
  functions: CompareSection<FunctionDiffRow>;
  heapObjects: CompareSection<HeapGroupDiffRow>;
  /** The flame graph diff's JSON (both sides have allocation profiles), else undefined. */
  flameSrc: string | undefined;
  /** Why there is no flame graph diff. */
  flameUnavailable: string | undefined;
  /** Both are sampled estimates: what a sample stands for on each side. */
  samplingNote: string;
}

/** Template data of dashboard/compare.hbs when there is nothing to compare. */
export interface CompareErrorView {
  ok: false;
  status: 400 | 404;
  basePath: string;
  messages: string[];
}

export type ComparePageData = CompareView | CompareErrorView;
