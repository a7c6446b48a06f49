/** `1 request`, `3 requests`: a count with its noun, for every sentence ramflow writes. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
