import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatServerTiming, quoteServerTimingValue } from '../../src/response/server-timing.js';
import type { HeaderFigures } from '../../src/types.js';

// --- A strict parser for the W3C Server-Timing header --------------------------------------------------------
//   Server-Timing        = metric *( ", " metric )          (strict: exactly ", " between entries)
//   metric               = token *( ";" param )             (strict: no whitespace around ";" or "=")
//   param                = token "=" ( token / quoted-string )
//   token                = 1*tchar
//   quoted-string        = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//   qdtext               = HTAB / SP / %x21 / %x23-5B / %x5D-7E   (strict: no obs-text)
//   quoted-pair          = "\" ( HTAB / SP / VCHAR )

interface ParsedMetric {
  name: string;
  params: Map<string, string>;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

function parseServerTiming(header: string): ParsedMetric[] {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`Server-Timing parse error at ${i}: ${what} in ${JSON.stringify(header)}`);
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && TCHAR.test(header[i] as string)) i++;
    if (i === start) fail('expected a token');
    return header.slice(start, i);
  };
  const quoted = (): string => {
    if (header[i] !== '"') fail('expected a quoted-string');
    i++;
    let out = '';
    for (;;) {
      if (i >= header.length) fail('unterminated quoted-string');
      const char = header[i] as string;
      const code = char.charCodeAt(0);
      if (char === '"') {
        i++;
        return out;
      }
      if (char === '\\') {
        const next = header.charCodeAt(i + 1);
        if (!(next === 0x09 || (next >= 0x20 && next <= 0x7e))) fail('bad quoted-pair');
        out += header[i + 1];
        i += 2;
        continue;
      }
      if (!(code === 0x09 || (code >= 0x20 && code <= 0x7e)))
        fail(`character U+${code.toString(16)} not allowed`);
      out += char;
      i++;
    }
  };

  const metrics: ParsedMetric[] = [];
  for (;;) {
    const name = token();
    const params = new Map<string, string>();
    while (header[i] === ';') {
      i++;
      const paramName = token();
      if (header[i] !== '=') fail('expected "="');
      i++;
      const value = header[i] === '"' ? quoted() : token();
      if (params.has(paramName)) fail(`duplicate parameter ${paramName}`);
      params.set(paramName, value);
    }
    metrics.push({ name, params });
    if (i === header.length) return metrics;
    if (header.slice(i, i + 2) !== ', ') fail('expected ", " between metrics');
    i += 2;
  }
}

// --- Fixtures --------------------------------------------------------------------------------------------------

function figures(overrides: Partial<HeaderFigures> = {}): HeaderFigures {
  return {
    heapDeltaBytes: 2_300_000,
    heapDeltaKind: 'exact',
    allocatedBytes: 7_400_000,
    allocatedIsLowerBound: false,
    gc: { count: 3, pauseMs: 1.25 },
    concurrency: { exclusive: true, overlapping: 0 },
    overheadMs: 0.042,
    ...overrides,
  };
}

function byName(metrics: ParsedMetric[]): Map<string, Map<string, string>> {
  return new Map(metrics.map((metric) => [metric.name, metric.params]));
}

const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

describe('the test parser itself', () => {
  test('accepts a valid header and rejects malformed ones', () => {
    assert.deepEqual(
      parseServerTiming('a;dur=1.5;desc="x \\"y\\"", b').map((m) => [m.name, [...m.params]]),
      [
        [
          'a',
          [
            ['dur', '1.5'],
            ['desc', 'x "y"'],
          ],
        ],
        ['b', []],
      ],
    );
    for (const bad of [
      '',
      'a;',
      'a; dur=1',
      'a,b',
      'a;desc="x',
      'a;desc="é"',
      'a;desc="a\nb"',
      'a b',
      'a;dur=1;dur=2',
    ]) {
      assert.throws(() => parseServerTiming(bad), /parse error/, bad);
    }
  });
});

describe('formatServerTiming', () => {
  test('all metrics: ramflow, heap, alloc, gc in order, strictly well-formed', () => {
    const header = formatServerTiming(figures(), ['heap', 'alloc', 'gc'], 'sampling');
    const metrics = parseServerTiming(header);
    assert.deepEqual(
      metrics.map((m) => m.name),
      ['ramflow', 'heap', 'alloc', 'gc'],
    );
    const named = byName(metrics);
    assert.equal(named.get('ramflow')?.get('dur'), '0.042');
    assert.equal(named.get('ramflow')?.get('desc'), 'ramflow overhead (sampling, exclusive)');
    assert.equal(named.get('heap')?.get('desc'), '+2.3 MB');
    assert.equal(named.get('alloc')?.get('desc'), '7.4 MB allocated by the headers');
    assert.equal(named.get('gc')?.get('dur'), '1.25');
    assert.equal(named.get('gc')?.get('desc'), '3 GCs');
  });

  test('heap desc of a raw delta says so', () => {
    const header = formatServerTiming(
      figures({ heapDeltaKind: 'raw', heapDeltaBytes: -500_000 }),
      ['heap'],
      'process',
    );
    const desc = byName(parseServerTiming(header)).get('heap')?.get('desc') ?? '';
    assert.match(desc, /^-500 KB\b/);
    assert.match(desc, /raw/);
  });

  test('heap desc of an exact delta carries no "raw"', () => {
    const header = formatServerTiming(figures({ heapDeltaBytes: 0 }), ['heap'], 'process');
    assert.equal(byName(parseServerTiming(header)).get('heap')?.get('desc'), '0 B');
  });

  test('alloc says "at least" when the allocation is a lower bound', () => {
    const header = formatServerTiming(
      figures({ allocatedBytes: 512, allocatedIsLowerBound: true }),
      ['heap', 'alloc', 'gc'],
      'process',
    );
    const metrics = parseServerTiming(header);
    assert.deepEqual(
      metrics.map((m) => m.name),
      ['ramflow', 'heap', 'alloc', 'gc'],
    );
    assert.equal(byName(metrics).get('alloc')?.get('desc'), 'at least 512 B allocated by the headers');
  });

  test('memory descriptions stay well-formed for any figure', () => {
    const odd = [
      0,
      -0,
      1,
      -1,
      999.5,
      999_960,
      -999_960,
      2 ** 53,
      -(2 ** 60),
      1e30,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (const bytes of odd) {
      for (const heapDeltaKind of ['exact', 'raw'] as const) {
        const header = formatServerTiming(
          figures({
            heapDeltaBytes: bytes,
            heapDeltaKind,
            allocatedBytes: Math.abs(bytes),
            gc: { count: 7, pauseMs: 2 },
          }),
          ['heap', 'alloc', 'gc'],
          'process',
        );
        assert.deepEqual(
          parseServerTiming(header).map((m) => m.name),
          ['ramflow', 'heap', 'alloc', 'gc'],
          header,
        );
      }
    }
  });

  test('only the requested metrics appear; ramflow is always there', () => {
    assert.deepEqual(
      parseServerTiming(formatServerTiming(figures(), [], 'process')).map((m) => m.name),
      ['ramflow'],
    );
    assert.deepEqual(
      parseServerTiming(formatServerTiming(figures(), ['gc'], 'process')).map((m) => m.name),
      ['ramflow', 'gc'],
    );
  });

  test('one GC is singular; shared windows say how many overlapped', () => {
    const header = formatServerTiming(
      figures({ gc: { count: 1, pauseMs: 0 }, concurrency: { exclusive: false, overlapping: 2 } }),
      ['gc'],
      'heap-snapshot',
    );
    const named = byName(parseServerTiming(header));
    assert.equal(named.get('gc')?.get('desc'), '1 GC');
    assert.equal(named.get('gc')?.get('dur'), '0');
    assert.equal(
      named.get('ramflow')?.get('desc'),
      'ramflow overhead (heap-snapshot, shared with 2 overlapping)',
    );
  });

  test('dur values are plain decimals for any duration, including odd ones', () => {
    const durations = [
      0,
      -0,
      1e-7,
      0.0004,
      0.0005,
      0.5,
      1,
      1.23456,
      9.9994,
      9.99951,
      10,
      123.456,
      99999.99,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (const overheadMs of durations) {
      for (const pauseMs of [overheadMs, 3]) {
        const header = formatServerTiming(
          figures({ overheadMs, gc: { count: 2, pauseMs } }),
          ['gc'],
          'process',
        );
        for (const metric of parseServerTiming(header)) {
          const dur = metric.params.get('dur');
          assert.ok(dur !== undefined, `${metric.name} has a dur in ${header}`);
          assert.match(dur, PLAIN_DECIMAL, `dur for ${overheadMs} in ${header}`);
          const expected = Number.isFinite(overheadMs) && overheadMs > 0 ? overheadMs : 0;
          if (metric.name === 'ramflow') {
            // Rounded to at most 3 decimals under 10 ms, 1 decimal above.
            assert.ok(
              Math.abs(Number(dur) - expected) <= (expected < 10 ? 0.0005 : 0.05) + 1e-9,
              `${dur} ≈ ${overheadMs}`,
            );
          }
        }
      }
    }
  });

  test('a hostile backend name cannot break the header', () => {
    const hostile = 'evil", x;dur=1\r\nSet-Cookie: a=b\\ \u00e9\u0000';
    const header = formatServerTiming(figures(), ['heap', 'alloc', 'gc'], hostile);
    assert.doesNotMatch(header, /[\r\n\0]/);
    const metrics = parseServerTiming(header);
    assert.deepEqual(
      metrics.map((m) => m.name),
      ['ramflow', 'heap', 'alloc', 'gc'],
    );
    assert.equal(
      byName(metrics).get('ramflow')?.get('desc'),
      'ramflow overhead (evil", x;dur=1Set-Cookie: a=b\\ , exclusive)',
    );
  });
});

describe('quoteServerTimingValue', () => {
  test('escapes quote and backslash, strips control characters and non-ASCII', () => {
    const quoted = quoteServerTimingValue('a"b\\c\nd\u00e9');
    assert.equal(quoted, '"a\\"b\\\\cd"');
    // And it is a quoted-string whose unescaped content is the input without the stripped characters.
    assert.equal(parseServerTiming(`m;desc=${quoted}`)[0]?.params.get('desc'), 'a"b\\cd');
  });

  test('keeps tab and every visible ASCII character, drops DEL and astral characters', () => {
    let visible = '';
    for (let code = 0x20; code <= 0x7e; code++) visible += String.fromCharCode(code);
    const input = `\t${visible}\u007f\u0001\u{1F600}\u2028`;
    const quoted = quoteServerTimingValue(input);
    assert.equal(parseServerTiming(`m;desc=${quoted}`)[0]?.params.get('desc'), `\t${visible}`);
  });

  test('empty string gives an empty quoted-string', () => {
    assert.equal(quoteServerTimingValue(''), '""');
  });
});
