import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RamflowError } from '../src/errors.js';
import { resolveOptions } from '../src/options.js';
import type { RamflowLogger, RamflowOptions, RequestInfo, Store } from '../src/types.js';

/** resolveOptions with input the type system would reject: the point is to see the run-time validation. */
function resolveLoose(input: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return resolveOptions(input as RamflowOptions, env);
}

/** Asserts that `fn` throws a RamflowError with `code` and a message matching `pattern`. */
function assertRamflowError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RamflowError, `expected a RamflowError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

function requestFrom(remoteAddress: string | undefined): RequestInfo {
  return { method: 'GET', url: '/', headers: {}, remoteAddress };
}

const silentLogger: RamflowLogger = { info() {}, warn() {}, error() {} };

describe('resolveOptions defaults', () => {
  test('fills in every default', () => {
    const resolved = resolveOptions(undefined, {});
    assert.equal(resolved.basePath, '/__ramflow');
    assert.equal(resolved.historySize, 100);
    assert.equal(resolved.historyBytes, 8 * 1024 * 1024);
    assert.equal(resolved.heapDelta, 'fast');
    assert.equal(resolved.memoryBackend, 'auto');
    assert.equal(resolved.samplingInterval, 32768);
    assert.deepEqual(resolved.serverTiming, ['heap', 'alloc', 'gc']);
    assert.equal(resolved.toolbar, true);
    assert.equal(resolved.isolate, false);
    assert.equal(resolved.allowHeapSnapshots, false);
    assert.equal(resolved.heapSnapshotMemoryLimit, undefined);
    assert.equal(resolved.heapSnapshotMaxPauseMs, 10_000);
    assert.equal(resolved.editorUrl, 'vscode://file/{path}:{line}:{column}');
    assert.equal(resolved.allowIsCustom, false);
    assert.equal(resolved.store, undefined);
    assert.deepEqual(resolved.severity, { warnBytes: 1024 * 1024, dangerBytes: 10 * 1024 * 1024 });
    assert.equal(resolved.environment, 'unset');
  });

  test('an empty object behaves like no options', () => {
    assert.deepEqual(
      { ...resolveOptions({}, {}), allow: undefined, logger: undefined },
      { ...resolveOptions(undefined, {}), allow: undefined, logger: undefined },
    );
  });

  test('serverTiming: true means all metrics, false means none, a list is kept', () => {
    assert.deepEqual(resolveOptions({ serverTiming: true }, {}).serverTiming, ['heap', 'alloc', 'gc']);
    assert.equal(resolveOptions({ serverTiming: false }, {}).serverTiming, false);
    assert.deepEqual(resolveOptions({ serverTiming: ['gc'] }, {}).serverTiming, ['gc']);
  });

  for (const nodeEnv of [undefined, '', 'development']) {
    test(`enabled by default when NODE_ENV is ${JSON.stringify(nodeEnv)}`, () => {
      const env: NodeJS.ProcessEnv = nodeEnv === undefined ? {} : { NODE_ENV: nodeEnv };
      assert.equal(resolveOptions({}, env).enabled, true);
    });
  }

  test('off by default under NODE_ENV=test, on with enabled: true (no allow needed there)', () => {
    assert.equal(resolveOptions({}, { NODE_ENV: 'test' }).enabled, false);
    assert.equal(resolveOptions({ enabled: true }, { NODE_ENV: 'test' }).enabled, true);
  });

  for (const nodeEnv of ['production', 'staging']) {
    test(`disabled by default when NODE_ENV is ${nodeEnv}`, () => {
      const resolved = resolveOptions({}, { NODE_ENV: nodeEnv });
      assert.equal(resolved.enabled, false);
      assert.equal(resolved.environment, nodeEnv);
    });
  }

  test('enabled: false is accepted in production without allow', () => {
    assert.equal(resolveOptions({ enabled: false }, { NODE_ENV: 'production' }).enabled, false);
  });

  test('a user-supplied enabled function is kept as is', () => {
    const enabled = (request: RequestInfo) => request.method === 'GET';
    assert.equal(resolveOptions({ enabled }, {}).enabled, enabled);
  });
});

describe('resolveOptions unknown options', () => {
  for (const key of ['historysize', 'histroySize']) {
    test(`\`${key}\` suggests historySize`, () => {
      assertRamflowError(
        () => resolveLoose({ [key]: 10 }),
        'RAMFLOW_INVALID_OPTION',
        new RegExp(`unknown option \`${key}\`.*Did you mean \`historySize\`\\?`),
      );
    });
  }

  test('a name far from any option lists the known options', () => {
    assertRamflowError(
      () => resolveLoose({ zzzzzzzz: 1 }),
      'RAMFLOW_INVALID_OPTION',
      /Known options: enabled, .*logger, allowHeapSnapshots, heapSnapshotMemoryLimit, heapSnapshotMaxPauseMs, editorUrl, allowedHosts, redact\./,
    );
  });

  test('non-object options are refused', () => {
    assertRamflowError(
      () => resolveOptions([] as unknown as RamflowOptions, {}),
      'RAMFLOW_INVALID_OPTION',
      /an array/,
    );
    assertRamflowError(
      () => resolveOptions('yes' as unknown as RamflowOptions, {}),
      'RAMFLOW_INVALID_OPTION',
      /string/,
    );
    assertRamflowError(
      () => resolveOptions(null as unknown as RamflowOptions, {}),
      'RAMFLOW_INVALID_OPTION',
      /object/,
    );
  });
});

describe('resolveOptions bad values name the option', () => {
  const storeWithoutList = { add() {}, get() {}, clear() {} };
  const loggerWithoutWarn = { info() {}, error() {} };
  const cases: Array<[label: string, input: Record<string, unknown>, option: string]> = [
    ['samplingInterval 0', { samplingInterval: 0 }, 'samplingInterval'],
    ['samplingInterval -1', { samplingInterval: -1 }, 'samplingInterval'],
    ['samplingInterval 1.5', { samplingInterval: 1.5 }, 'samplingInterval'],
    ['samplingInterval "32"', { samplingInterval: '32' }, 'samplingInterval'],
    ["basePath 'x'", { basePath: 'x' }, 'basePath'],
    ["basePath '/a/'", { basePath: '/a/' }, 'basePath'],
    ["basePath '/'", { basePath: '/' }, 'basePath'],
    ["basePath '/a//b'", { basePath: '/a//b' }, 'basePath'],
    ["basePath '/a b'", { basePath: '/a b' }, 'basePath'],
    ['historySize 0', { historySize: 0 }, 'historySize'],
    ['historyBytes 1023', { historyBytes: 1023 }, 'historyBytes'],
    ["serverTiming ['bogus']", { serverTiming: ['bogus'] }, 'serverTiming'],
    ["serverTiming 'heap'", { serverTiming: 'heap' }, 'serverTiming'],
    ["heapDelta 'slow'", { heapDelta: 'slow' }, 'heapDelta'],
    ["memoryBackend 'foo'", { memoryBackend: 'foo' }, 'memoryBackend'],
    ['severity dangerBytes < warnBytes', { severity: { warnBytes: 2000, dangerBytes: 1000 } }, 'severity'],
    ['severity.warnBytes -1', { severity: { warnBytes: -1 } }, 'severity.warnBytes'],
    ['store missing list', { store: storeWithoutList }, 'store'],
    ['store not an object', { store: 'memory' }, 'store'],
    ['logger without warn', { logger: loggerWithoutWarn }, 'logger'],
    ["enabled 'yes'", { enabled: 'yes' }, 'enabled'],
    ['allow true', { allow: true }, 'allow'],
    ["toolbar 'on'", { toolbar: 'on' }, 'toolbar'],
    ["isolate 'yes'", { isolate: 'yes' }, 'isolate'],
    ['isolate 1', { isolate: 1 }, 'isolate'],
    ["allowHeapSnapshots 'true'", { allowHeapSnapshots: 'true' }, 'allowHeapSnapshots'],
    ['heapSnapshotMemoryLimit 0', { heapSnapshotMemoryLimit: 0 }, 'heapSnapshotMemoryLimit'],
    ['heapSnapshotMemoryLimit Infinity', { heapSnapshotMemoryLimit: Infinity }, 'heapSnapshotMemoryLimit'],
    ["heapSnapshotMemoryLimit '1GB'", { heapSnapshotMemoryLimit: '1GB' }, 'heapSnapshotMemoryLimit'],
    ['heapSnapshotMaxPauseMs 0', { heapSnapshotMaxPauseMs: 0 }, 'heapSnapshotMaxPauseMs'],
    ['heapSnapshotMaxPauseMs NaN', { heapSnapshotMaxPauseMs: Number.NaN }, 'heapSnapshotMaxPauseMs'],
    ["heapSnapshotMaxPauseMs '10s'", { heapSnapshotMaxPauseMs: '10s' }, 'heapSnapshotMaxPauseMs'],
    ['cspNonce string', { cspNonce: 'abc' }, 'cspNonce'],
    ['editorUrl without {path}', { editorUrl: 'vscode://file/x' }, 'editorUrl'],
    ['editorUrl javascript:', { editorUrl: 'javascript:alert(1)//{path}' }, 'editorUrl'],
    ['editorUrl true', { editorUrl: true }, 'editorUrl'],
    ['ignore string', { ignore: '/health' }, 'ignore'],
    ['ignore with a number', { ignore: ['/a', 3] }, 'ignore'],
    ["severity 'high'", { severity: 'high' }, 'severity'],
    ['severity null', { severity: null }, 'severity'],
    ['severity { warn: 5 }', { severity: { warn: 5 } }, 'severity'],
    ["basePath '/a/../b'", { basePath: '/a/../b' }, 'basePath'],
    ["basePath '/.'", { basePath: '/.' }, 'basePath'],
    ["basePath '/a/.'", { basePath: '/a/.' }, 'basePath'],
    ["allowedHosts 'example.test'", { allowedHosts: 'example.test' }, 'allowedHosts'],
    ["allowedHosts ['example.test:3000']", { allowedHosts: ['example.test:3000'] }, 'allowedHosts'],
    ['allowedHosts [""]', { allowedHosts: [''] }, 'allowedHosts'],
    ['redact true', { redact: true }, 'redact'],
    ["redact ['token', 5]", { redact: ['token', 5] }, 'redact'],
  ];
  for (const [label, input, option] of cases) {
    test(label, () => {
      const escaped = option.replace(/\./g, '\\.');
      assertRamflowError(
        () => resolveLoose(input),
        'RAMFLOW_INVALID_OPTION',
        new RegExp(`invalid option \`${escaped}\``),
      );
    });
  }

  test('the message names what was given: null, an array, a string, an object', () => {
    assertRamflowError(() => resolveLoose({ enabled: null }), 'RAMFLOW_INVALID_OPTION', /got null\./);
    assertRamflowError(() => resolveLoose({ severity: null }), 'RAMFLOW_INVALID_OPTION', /got null\./);
    assertRamflowError(() => resolveLoose({ toolbar: [] }), 'RAMFLOW_INVALID_OPTION', /got an array\./);
    assertRamflowError(
      () => resolveLoose({ heapDelta: 'slow' }),
      'RAMFLOW_INVALID_OPTION',
      /got the string "slow"\./,
    );
    assertRamflowError(
      () => resolveLoose({ severity: { warn: 5 } }),
      'RAMFLOW_INVALID_OPTION',
      /unknown field `warn`\. Did you mean `warnBytes`\?/,
    );
  });

  test('allowedHosts and redact are normalized', () => {
    const resolved = resolveLoose({ allowedHosts: ['MyApp.Test', '.dev.example.'], redact: ['sid', /^x-/] });
    assert.deepEqual(resolved.allowedHosts, ['myapp.test', '.dev.example']);
    assert.equal(resolved.redact.length, 2);
    assert.equal(resolved.redactReferer, true);
    const off = resolveLoose({ redact: false, allowedHosts: true });
    assert.deepEqual(off.redact, []);
    assert.equal(off.redactReferer, false);
    assert.equal(off.allowedHosts, true);
    assert.deepEqual(resolveOptions(undefined, {}).allowedHosts, []);
  });

  test('good values are accepted and kept', () => {
    const store: Store = { add() {}, get: () => undefined, list: () => [], clear() {} };
    const resolved = resolveOptions(
      {
        samplingInterval: 1,
        basePath: '/_debug/ram-flow.v2',
        historySize: 1,
        historyBytes: 1024,
        heapDelta: 'exact',
        memoryBackend: 'process',
        severity: { warnBytes: 0, dangerBytes: 0 },
        store,
        logger: silentLogger,
        ignore: ['/health', /^\/static\//],
        isolate: true,
        allowHeapSnapshots: true,
        heapSnapshotMemoryLimit: 512 * 1024 * 1024,
        heapSnapshotMaxPauseMs: Infinity,
      },
      {},
    );
    assert.equal(resolved.samplingInterval, 1);
    assert.equal(resolved.basePath, '/_debug/ram-flow.v2');
    assert.equal(resolved.historySize, 1);
    assert.equal(resolved.historyBytes, 1024);
    assert.equal(resolved.heapDelta, 'exact');
    assert.equal(resolved.memoryBackend, 'process');
    assert.deepEqual(resolved.severity, { warnBytes: 0, dangerBytes: 0 });
    assert.equal(resolved.store, store);
    assert.equal(resolved.logger, silentLogger);
    assert.equal(resolved.ignore.length, 2);
    assert.equal(resolved.isolate, true);
    assert.equal(resolved.allowHeapSnapshots, true);
    assert.equal(resolved.heapSnapshotMemoryLimit, 512 * 1024 * 1024);
    assert.equal(resolved.heapSnapshotMaxPauseMs, Infinity);
  });
});

describe('resolveOptions in production', () => {
  const production: NodeJS.ProcessEnv = { NODE_ENV: 'production' };

  test('enabled: true without allow is refused', () => {
    assertRamflowError(
      () => resolveOptions({ enabled: true }, production),
      'RAMFLOW_UNSAFE_PRODUCTION',
      /NODE_ENV="production"/,
    );
  });

  test('an enabled function without allow is refused too', () => {
    assertRamflowError(
      () => resolveOptions({ enabled: () => true }, production),
      'RAMFLOW_UNSAFE_PRODUCTION',
      /`allow`/,
    );
  });

  test('enabled: true with an allow function resolves enabled', () => {
    const allow = (request: RequestInfo) => request.headers['x-admin'] === 'yes';
    const resolved = resolveOptions({ enabled: true, allow }, production);
    assert.equal(resolved.enabled, true);
    assert.equal(resolved.allow, allow);
    assert.equal(resolved.allowIsCustom, true);
    assert.equal(resolved.environment, 'production');
  });
});

describe('default allow', () => {
  const { allow } = resolveOptions({}, {});
  for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
    test(`admits ${address}`, () => assert.equal(allow(requestFrom(address)), true));
  }
  for (const address of ['203.0.113.5', '10.0.0.1', undefined]) {
    test(`refuses ${String(address)}`, () => assert.equal(allow(requestFrom(address)), false));
  }
});
