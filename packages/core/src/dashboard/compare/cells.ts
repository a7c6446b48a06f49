/**
 * The building blocks of every comparison table: a side's cell (a figure, or `n/a: <reason>`), and B − A put in
 * words with its direction (`+1.2 MB more`, `-3.0 ms faster`, `same`, `differs`).
 */
import { formatMs, formatSignedBytes } from '../../format.js';
import type { CompareCell, CompareRow } from './view.js';

/** A difference in words and which way it goes. */
export type Diff = Pick<CompareRow, 'diff' | 'direction'>;

export const cell = (text: string, title?: string): CompareCell => ({ text, title, na: false });
export const naCell = (reason: string): CompareCell => ({
  text: `n/a: ${reason}`,
  title: undefined,
  na: true,
});

/** Words for a change in each direction, e.g. ['more', 'less'] or ['slower', 'faster']. */
export type Words = readonly [up: string, down: string];
export const MORE: Words = ['more', 'less'];

/** `+1.2 MB more` / `-500 KB less` / `same`, with its direction. */
export function bytesDiff(delta: number, words: Words = MORE, prefix = ''): Diff {
  const text = formatSignedBytes(delta);
  if (text === '0 B') return { diff: delta === 0 ? 'same' : 'about the same (under 1 B)', direction: 'same' };
  return {
    diff: `${prefix}${text} ${delta > 0 ? words[0] : words[1]}`,
    direction: delta > 0 ? 'up' : 'down',
  };
}

export function msDiff(delta: number, words: Words): Diff {
  const text = formatMs(Math.abs(delta));
  if (Number(Math.abs(delta).toFixed(2)) === 0) return { diff: 'same', direction: 'same' };
  return {
    diff: `${delta > 0 ? '+' : '-'}${text} ${delta > 0 ? words[0] : words[1]}`,
    direction: delta > 0 ? 'up' : 'down',
  };
}

export function countDiff(delta: number, words: Words = ['more', 'fewer']): Diff {
  if (delta === 0) return { diff: 'same', direction: 'same' };
  return {
    diff: `${delta > 0 ? '+' : '-'}${Math.abs(delta)} ${delta > 0 ? words[0] : words[1]}`,
    direction: delta > 0 ? 'up' : 'down',
  };
}

export function sameOrNot(a: unknown, b: unknown): Diff {
  return a === b ? { diff: 'same', direction: 'same' } : { diff: 'differs', direction: 'info' };
}

export function row(label: string, a: CompareCell, b: CompareCell, diff: Diff, note?: string): CompareRow {
  return { label, a, b, ...diff, note };
}
