import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatBytes, formatMs, formatSignedBytes } from '../format.js';

/**
 * The templates folder of @ramflow/core. Found by walking up from this module, so it works from `src/`
 * (tests), from the bundled `dist/` (ESM and CommonJS) and from an installed package.
 */
export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'toolbar.hbs'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('@ramflow/core: templates folder not found next to the package');
}

/**
 * Handlebars templates of the toolbar and dashboard, compiled on first use. Handlebars escapes every `{{value}}`
 * (`& < > " ' \` =`); templates never use triple-stash on data, so request-controlled text cannot become markup.
 */
export class Templates {
  readonly #hbs = Handlebars.create();
  readonly #compiled = new Map<string, Handlebars.TemplateDelegate>();
  readonly #dir: string;

  constructor(dir = templatesDir()) {
    this.#dir = dir;
    this.#hbs.registerHelper('bytes', (value: unknown) =>
      typeof value === 'number' ? formatBytes(value) : 'n/a',
    );
    this.#hbs.registerHelper('signedBytes', (value: unknown) =>
      typeof value === 'number' ? formatSignedBytes(value) : 'n/a',
    );
    this.#hbs.registerHelper('ms', (value: unknown) => (typeof value === 'number' ? formatMs(value) : 'n/a'));
    this.#hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    const panels = join(this.#dir, 'panels');
    for (const file of readdirSync(panels)) {
      if (file.endsWith('.hbs')) {
        this.#hbs.registerPartial(`panels/${file.slice(0, -4)}`, readFileSync(join(panels, file), 'utf8'));
      }
    }
  }

  /** Compiles the named templates now, so the first request does not pay for it. */
  warm(names: readonly string[]): void {
    // Handlebars compiles lazily, on a template's first call: render each once with empty data.
    for (const name of names) this.#template(name)({});
  }

  #template(name: string): Handlebars.TemplateDelegate {
    let template = this.#compiled.get(name);
    if (template === undefined) {
      template = this.#hbs.compile(readFileSync(join(this.#dir, `${name}.hbs`), 'utf8'), { strict: false });
      this.#compiled.set(name, template);
    }
    return template;
  }

  render(name: string, data: unknown): string {
    return this.#template(name)(data);
  }

  /** A static asset (CSS, JS) from templates/assets, or undefined for an unknown name. */
  asset(name: string): string | undefined {
    if (!/^[a-z0-9-]+\.(?:css|js)$/.test(name)) return undefined;
    const file = join(this.#dir, 'assets', name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }
}
