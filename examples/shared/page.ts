import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const template = readFileSync(fileURLToPath(new URL('./index.html', import.meta.url)), 'utf8');

function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** The demo home page every example serves, rendered from index.html (`{{name}}` → HTML-escaped value). */
export function renderHomePage(framework: string): string {
  const items = Array.from({ length: 500 }, (_, i) => ({ i, label: `row ${i}` }));
  const data: Record<string, unknown> = {
    title: 'ramflow demo',
    framework,
    renderedAt: new Date().toISOString(),
    itemCount: items.length,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => escapeHtml(data[key] ?? ''));
}
