import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatBytes, formatMs, formatSignedBytes } from '../format.js';

/**
 * The parts of `flamegraph.js`, files of templates/assets/flamegraph/, in the order they are joined (each starts
 * with a comment saying what it holds). They share one closure, so each sees the others' declarations; mount.js,
 * the entry point, runs on load and so comes last. The browser gets one script, as before the split.
 */
export const FLAME_GRAPH_PARTS = [
  'constants.js',
  'text.js',
  'data.js',
  'elements.js',
  'colours.js',
  'loading.js',
  'views.js',
  'search.js',
  'layout.js',
  'drawing.js',
  'interaction.js',
  'mount.js',
] as const;

/**
 * A server function's source, to declare it in a browser script: `fn.toString()`, so the function must be
 * self-contained (see format.ts). A bundler that renamed it (`formatBytes$1`) renamed the calls to it in the
 * functions copied with it too: the copy keeps that name, and `name` is declared as an alias of it.
 */
export function functionSource(fn: (...args: never[]) => unknown, name: string): string {
  const source = fn.toString();
  const declared = /^function\s*([\w$]+)\s*\(/.exec(source)?.[1];
  if (declared === undefined) throw new Error(`@ramflow/core: ${name} is not a plain function declaration`);
  return declared === name ? source : `${source}\nconst ${name} = ${declared};`;
}

/**
 * flamegraph.js: format.ts's byte formatters (so the browser prints bytes exactly as the server does), then the
 * FLAME_GRAPH_PARTS, in one closure. A missing part is an error that names it.
 */
export function assembleFlameGraph(dir: string): string {
  const parts = FLAME_GRAPH_PARTS.map((name) => {
    const file = join(dir, 'assets', 'flamegraph', name);
    if (!existsSync(file)) throw new Error(`@ramflow/core: flamegraph.js part ${name} not found (${file})`);
    return readFileSync(file, 'utf8').trimEnd();
  });
  const banner = [
    '// ramflow flame graph, assembled by Templates.asset (src/toolbar/templates.ts): the byte formatters of',
    '// src/format.ts, then the parts of templates/assets/flamegraph/ in the order of FLAME_GRAPH_PARTS, in one',
    '// closure. Start reading at flamegraph/mount.js, the last part.',
    '(() => {',
  ].join('\n');
  const formatters = [
    '// From src/format.ts (copied by Templates.asset), so the browser prints bytes as the server does.',
    functionSource(formatBytes, 'formatBytes'),
    '',
    functionSource(formatSignedBytes, 'formatSignedBytes'),
  ].join('\n');
  return `${[banner, formatters, ...parts, '})();'].join('\n\n')}\n`;
}

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
  /** flamegraph.js, assembled on first request. */
  #flameGraph: string | undefined;

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
    if (names.every((name) => this.#compiled.has(name))) return;
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

  /** How many templates are compiled so far. */
  get compiledCount(): number {
    return this.#compiled.size;
  }

  render(name: string, data: unknown): string {
    return this.#template(name)(data);
  }

  /**
   * A static asset (CSS, JS) from templates/assets, or undefined for an unknown name. flamegraph.js is assembled
   * from its parts (assembleFlameGraph), once; the parts, in a folder, are not assets of their own.
   */
  asset(name: string): string | undefined {
    if (!/^[a-z0-9-]+\.(?:css|js)$/.test(name)) return undefined;
    if (name === 'flamegraph.js') {
      this.#flameGraph ??= assembleFlameGraph(this.#dir);
      return this.#flameGraph;
    }
    const file = join(this.#dir, 'assets', name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }
}

let shared: Templates | undefined;

/**
 * The process's templates, compiled once and shared by every ramflow instance (an app created per test, or
 * several apps in one process, would each pay 10-40 ms to compile the toolbar again otherwise). Templates hold
 * only compiled markup and assets, nothing of a request or an instance.
 */
export function sharedTemplates(): Templates {
  shared ??= new Templates();
  return shared;
}
