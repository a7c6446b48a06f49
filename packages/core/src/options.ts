// This file is long because every option is validated here, once, at construction, each with a fix-it message of
// its own (as helmet does); the checks share the describe/invalid helpers at the top.
import { RamflowError } from './errors.js';
import { consoleLogger } from './logger.js';
import { DEFAULT_REDACT } from './redact.js';
import { isLoopbackAddress } from './security.js';
import type { RamflowOptions, ResolvedRamflowOptions, ServerTimingMetric, Store } from './types.js';

export const DEFAULT_BASE_PATH = '/__ramflow';
export const DEFAULT_SAMPLING_INTERVAL = 32 * 1024;
export const DEFAULT_HISTORY_SIZE = 100;
export const DEFAULT_HISTORY_BYTES = 8 * 1024 * 1024;
export const ALL_SERVER_TIMING_METRICS: readonly ServerTimingMetric[] = ['heap', 'alloc', 'gc'];
export const DEFAULT_HEAP_SNAPSHOT_MAX_PAUSE_MS = 10_000;
export const DEFAULT_EDITOR_URL = 'vscode://file/{path}:{line}:{column}';
export const DEFAULT_IGNORE: ReadonlyArray<string | RegExp> = [
  '/favicon.ico',
  /\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|otf)$/i,
];

const KNOWN_KEYS = [
  'enabled',
  'memoryBackend',
  'heapDelta',
  'samplingInterval',
  'adaptiveSampling',
  'inlining',
  'isolate',
  'serverTiming',
  'toolbar',
  'basePath',
  'historySize',
  'historyBytes',
  'allow',
  'cspNonce',
  'ignore',
  'store',
  'severity',
  'logger',
  'allowHeapSnapshots',
  'heapSnapshotMemoryLimit',
  'heapSnapshotMaxPauseMs',
  'editorUrl',
  'allowedHosts',
  'redact',
] as const satisfies ReadonlyArray<keyof RamflowOptions>;

const BACKENDS = ['auto', 'sampling', 'heap-snapshot', 'process'] as const;
const DEV_ENVIRONMENTS = new Set(['', 'development', 'test']);

/**
 * A NODE_ENV where ramflow may run without an `allow` function and without a warning: unset, `development` or
 * `test` (the resolved options name an unset NODE_ENV `unset`).
 */
export function isDevelopmentEnvironment(environment: string): boolean {
  return DEV_ENVIRONMENTS.has(environment === 'unset' ? '' : environment);
}

/**
 * Whether ramflow is on when `enabled` is not given: in development only. Not under `test`: a test suite pays
 * for every profiled request (Express's own suite ran ~3x slower with ramflow on), as django-debug-toolbar and
 * rack-mini-profiler stay off in tests.
 */
function onByDefault(environment: string): boolean {
  return environment === '' || environment === 'development';
}

/** A value as an error message names it: `null`, `an array`, `"text"`, `5`, `a function`, `an object`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'symbol' || typeof value === 'bigint') return `a ${typeof value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return JSON.stringify(value) ?? String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(option: string, message: string): RamflowError {
  return new RamflowError('RAMFLOW_INVALID_OPTION', `invalid option \`${option}\`: ${message}`);
}

/** Levenshtein distance, for "did you mean" hints on misspelt option names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + cost);
      previous = current;
    }
  }
  return row[b.length] as number;
}

function suggest(key: string, keys: readonly string[] = KNOWN_KEYS, noun = 'options'): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of keys) {
    // A prefix (`warn` for `warnBytes`) is as good a hint as a typo.
    const d = key !== '' && known.toLowerCase().startsWith(key.toLowerCase()) ? 0 : distance(key, known);
    if (d < bestDistance) {
      bestDistance = d;
      best = known;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))
    ? ` Did you mean \`${best}\`?`
    : ` Known ${noun}: ${keys.join(', ')}.`;
}

function positiveInteger(option: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(option, `expected an integer >= ${min}, got ${describe(value)}.`);
  }
  return value;
}

function isStore(value: unknown): value is Store {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['add', 'get', 'list', 'clear'].every((name) => typeof candidate[name] === 'function');
}

/**
 * Applies defaults and validates every option. Throws a RamflowError naming the option and how to fix it;
 * this is the only place ramflow throws at a user.
 */
export function resolveOptions(
  input: RamflowOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRamflowOptions {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw new RamflowError('RAMFLOW_INVALID_OPTION', `options must be an object, got ${describe(input)}.`);
  }
  const options: RamflowOptions = input ?? {};
  for (const key of Object.keys(options)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new RamflowError('RAMFLOW_INVALID_OPTION', `unknown option \`${key}\`.${suggest(key)}`);
    }
  }

  const environment = env.NODE_ENV ?? '';
  const isDevelopment = isDevelopmentEnvironment(environment);

  const { enabled } = options;
  if (enabled !== undefined && typeof enabled !== 'boolean' && typeof enabled !== 'function') {
    throw invalid(
      'enabled',
      `expected a boolean or a function (request) => boolean, got ${describe(enabled)}.`,
    );
  }
  if (options.allow !== undefined && typeof options.allow !== 'function') {
    throw invalid('allow', `expected a function (request) => boolean, got ${describe(options.allow)}.`);
  }
  if (!isDevelopment && enabled !== undefined && enabled !== false && options.allow === undefined) {
    throw new RamflowError(
      'RAMFLOW_UNSAFE_PRODUCTION',
      `refusing to enable ramflow with NODE_ENV=${JSON.stringify(environment)} without an \`allow\` function: ` +
        'heap data contains secrets. Pass `allow: (request) => …` that admits only you, or unset `enabled`.',
    );
  }

  const memoryBackend = options.memoryBackend ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(memoryBackend)) {
    throw invalid(
      'memoryBackend',
      `expected one of ${BACKENDS.map((b) => `"${b}"`).join(', ')}, got ${describe(memoryBackend)}.`,
    );
  }

  const heapDelta = options.heapDelta ?? 'fast';
  if (heapDelta !== 'exact' && heapDelta !== 'fast') {
    throw invalid('heapDelta', `expected "exact" or "fast", got ${describe(heapDelta)}.`);
  }

  const samplingInterval = positiveInteger(
    'samplingInterval',
    options.samplingInterval,
    DEFAULT_SAMPLING_INTERVAL,
  );

  if (options.adaptiveSampling !== undefined && typeof options.adaptiveSampling !== 'boolean') {
    throw invalid('adaptiveSampling', `expected a boolean, got ${describe(options.adaptiveSampling)}.`);
  }

  if (options.inlining !== undefined && typeof options.inlining !== 'boolean') {
    throw invalid(
      'inlining',
      `expected a boolean (false, the default, keeps every function in its own frame in allocation stacks), got ${describe(options.inlining)}.`,
    );
  }

  if (options.isolate !== undefined && typeof options.isolate !== 'boolean') {
    throw invalid(
      'isolate',
      `expected a boolean (true runs profiled requests one at a time), got ${describe(options.isolate)}.`,
    );
  }

  let serverTiming: readonly ServerTimingMetric[] | false;
  if (options.serverTiming === undefined || options.serverTiming === true) {
    serverTiming = ALL_SERVER_TIMING_METRICS;
  } else if (options.serverTiming === false) {
    serverTiming = false;
  } else if (Array.isArray(options.serverTiming)) {
    for (const metric of options.serverTiming) {
      if (!ALL_SERVER_TIMING_METRICS.includes(metric)) {
        throw invalid(
          'serverTiming',
          `unknown metric ${JSON.stringify(metric)}; use any of ${ALL_SERVER_TIMING_METRICS.map((m) => `"${m}"`).join(', ')}.`,
        );
      }
    }
    serverTiming = [...options.serverTiming];
  } else {
    throw invalid('serverTiming', 'expected true, false or an array such as ["heap", "alloc", "gc"].');
  }

  if (options.toolbar !== undefined && typeof options.toolbar !== 'boolean') {
    throw invalid('toolbar', `expected a boolean, got ${describe(options.toolbar)}.`);
  }

  const basePath = options.basePath ?? DEFAULT_BASE_PATH;
  if (
    typeof basePath !== 'string' ||
    !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(basePath) ||
    basePath.includes('//') ||
    basePath.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    throw invalid(
      'basePath',
      `expected a path such as "/__ramflow" (leading "/", no trailing "/", letters, digits, "._~-/", no "." or ".." segments), got ${describe(basePath)}.`,
    );
  }

  const historySize = positiveInteger('historySize', options.historySize, DEFAULT_HISTORY_SIZE);
  const historyBytes = positiveInteger('historyBytes', options.historyBytes, DEFAULT_HISTORY_BYTES, 1024);

  if (options.cspNonce !== undefined && typeof options.cspNonce !== 'function') {
    throw invalid(
      'cspNonce',
      'expected a function (req, res) => string, e.g. (req, res) => res.locals.cspNonce.',
    );
  }

  const ignore = options.ignore ?? DEFAULT_IGNORE;
  if (
    !Array.isArray(ignore) ||
    !ignore.every((entry) => typeof entry === 'string' || entry instanceof RegExp)
  ) {
    throw invalid('ignore', 'expected an array of path prefixes (strings) or regular expressions.');
  }

  if (options.store !== undefined && !isStore(options.store)) {
    throw invalid('store', 'expected an object with add, get, list and clear methods (see the Store type).');
  }

  const severity: unknown = options.severity;
  if (severity !== undefined) {
    if (!isPlainObject(severity))
      throw invalid(
        'severity',
        `expected an object such as { warnBytes: 1048576, dangerBytes: 10485760 }, got ${describe(severity)}.`,
      );
    for (const key of Object.keys(severity)) {
      if (key !== 'warnBytes' && key !== 'dangerBytes')
        throw invalid(
          'severity',
          `unknown field \`${key}\`.${suggest(key, ['warnBytes', 'dangerBytes'], 'fields')}`,
        );
    }
  }
  const warnBytes = positiveInteger('severity.warnBytes', options.severity?.warnBytes, 1024 * 1024, 0);
  const dangerBytes = positiveInteger(
    'severity.dangerBytes',
    options.severity?.dangerBytes,
    10 * 1024 * 1024,
    0,
  );
  if (dangerBytes < warnBytes) {
    throw invalid('severity', `dangerBytes (${dangerBytes}) must be >= warnBytes (${warnBytes}).`);
  }

  if (options.allowHeapSnapshots !== undefined && typeof options.allowHeapSnapshots !== 'boolean') {
    throw invalid(
      'allowHeapSnapshots',
      `expected a boolean (true keeps .heapsnapshot files for download; they contain secrets), got ${describe(options.allowHeapSnapshots)}.`,
    );
  }
  const heapSnapshotMemoryLimit = options.heapSnapshotMemoryLimit;
  if (
    heapSnapshotMemoryLimit !== undefined &&
    (typeof heapSnapshotMemoryLimit !== 'number' ||
      !Number.isFinite(heapSnapshotMemoryLimit) ||
      heapSnapshotMemoryLimit <= 0)
  ) {
    throw invalid(
      'heapSnapshotMemoryLimit',
      `expected a number of bytes > 0 (e.g. 512 * 1024 * 1024), got ${describe(heapSnapshotMemoryLimit)}.`,
    );
  }

  const heapSnapshotMaxPauseMs = options.heapSnapshotMaxPauseMs ?? DEFAULT_HEAP_SNAPSHOT_MAX_PAUSE_MS;
  if (
    typeof heapSnapshotMaxPauseMs !== 'number' ||
    Number.isNaN(heapSnapshotMaxPauseMs) ||
    heapSnapshotMaxPauseMs <= 0
  ) {
    throw invalid(
      'heapSnapshotMaxPauseMs',
      `expected a number of milliseconds > 0 (e.g. 30_000 to allow 30 s pauses, Infinity for no limit), got ${JSON.stringify(heapSnapshotMaxPauseMs) ?? typeof heapSnapshotMaxPauseMs}.`,
    );
  }

  const editorUrl = options.editorUrl ?? DEFAULT_EDITOR_URL;
  if (
    editorUrl !== false &&
    (typeof editorUrl !== 'string' ||
      !editorUrl.includes('{path}') ||
      !/^[a-z][a-z0-9+.-]*:/i.test(editorUrl) ||
      /^(?:javascript|data|vbscript):/i.test(editorUrl))
  ) {
    throw invalid(
      'editorUrl',
      `expected false or a URL template with {path} (and optionally {line}, {column}) such as ${JSON.stringify(DEFAULT_EDITOR_URL)}; javascript:, data: and vbscript: URLs are refused; got ${describe(editorUrl)}.`,
    );
  }

  const allowedHosts = resolveAllowedHosts(options.allowedHosts);

  const redact = options.redact ?? DEFAULT_REDACT;
  if (
    redact !== false &&
    (!Array.isArray(redact) ||
      !redact.every((rule) => (typeof rule === 'string' && rule !== '') || rule instanceof RegExp))
  ) {
    throw invalid(
      'redact',
      `expected false (store query strings and the Referer as received) or an array of query parameter names (substrings, case-insensitive) or regular expressions, such as ["token", /^sig$/]; got ${describe(redact)}.`,
    );
  }

  const logger = options.logger ?? consoleLogger;
  if (
    typeof logger !== 'object' ||
    logger === null ||
    !['info', 'warn', 'error'].every(
      (m) => typeof (logger as unknown as Record<string, unknown>)[m] === 'function',
    )
  ) {
    throw invalid('logger', 'expected an object with info, warn and error methods (pino, console, …).');
  }

  return {
    enabled: enabled ?? onByDefault(environment),
    memoryBackend,
    heapDelta,
    samplingInterval,
    adaptiveSampling: options.adaptiveSampling ?? true,
    inlining: options.inlining ?? false,
    isolate: options.isolate ?? false,
    serverTiming,
    toolbar: options.toolbar ?? true,
    basePath,
    historySize,
    historyBytes,
    allow: options.allow ?? ((request) => isLoopbackAddress(request.remoteAddress)),
    allowIsCustom: options.allow !== undefined,
    cspNonce: options.cspNonce,
    ignore,
    store: options.store,
    severity: { warnBytes, dangerBytes },
    logger,
    allowHeapSnapshots: options.allowHeapSnapshots ?? false,
    heapSnapshotMemoryLimit,
    heapSnapshotMaxPauseMs,
    editorUrl,
    allowedHosts,
    redact: redact === false ? [] : redact,
    redactReferer: redact !== false,
    environment: environment === '' ? 'unset' : environment,
  };
}

/** `allowedHosts`: hostnames in lower case (no port), or true. */
function resolveAllowedHosts(value: unknown): readonly string[] | true {
  if (value === undefined) return [];
  if (value === true) return true;
  const fix =
    'expected true (any Host: turns off DNS-rebinding protection) or an array of hostnames without port, such as ["myapp.test", ".dev.example"] (a leading "." admits subdomains)';
  if (!Array.isArray(value)) throw invalid('allowedHosts', `${fix}; got ${describe(value)}.`);
  return value.map((entry) => {
    if (typeof entry !== 'string' || !/^\.?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?$/.test(entry))
      throw invalid('allowedHosts', `${fix}; got ${describe(entry)} in the array.`);
    return entry.toLowerCase().replace(/\.$/, '');
  });
}
