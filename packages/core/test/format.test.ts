import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, formatMs, formatSignedBytes } from '../src/format.js';
import { isValidRequestId, newRequestId } from '../src/ids.js';
import { isLoopbackAddress } from '../src/security.js';

describe('formatBytes', () => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [1, '1 B'],
    [512, '512 B'],
    [999, '999 B'],
    [1000, '1 KB'],
    [1500, '1.5 KB'],
    [9_949, '9.9 KB'],
    [9_960, '10 KB'],
    [10_400, '10 KB'],
    [500_000, '500 KB'],
    [999_499, '999 KB'],
    [999_960, '1 MB'],
    [2_300_000, '2.3 MB'],
    [1_000_000_000, '1 GB'],
    [12_345_678_901, '12 GB'],
    [3_000_000_000_000, '3 TB'],
    [-500_000, '500 KB'],
  ];
  for (const [bytes, expected] of cases) {
    test(`${bytes} → ${expected}`, () => assert.equal(formatBytes(bytes), expected));
  }

  test('never prints 1000 of a unit below TB', () => {
    for (let exponent = 1; exponent <= 3; exponent++) {
      for (const mantissa of [999.5, 999.6, 999.9, 999.99, 999.999]) {
        const text = formatBytes(Math.round(mantissa * 1000 ** exponent));
        assert.doesNotMatch(text, /^1000 /, `${mantissa}e${3 * exponent} → ${text}`);
      }
    }
  });

  test('fractional byte counts just under 1000 do not print "1000 B"', () => {
    assert.equal(formatBytes(999.5), '1 KB');
  });

  test('non-finite values are n/a', () => {
    assert.equal(formatBytes(Number.NaN), 'n/a');
    assert.equal(formatBytes(Number.POSITIVE_INFINITY), 'n/a');
  });
});

describe('formatSignedBytes', () => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [-0, '0 B'],
    [0.3, '0 B'],
    [512, '+512 B'],
    [-512, '-512 B'],
    [2_300_000, '+2.3 MB'],
    [-500_000, '-500 KB'],
    [999_960, '+1 MB'],
    [-999_960, '-1 MB'],
    [Number.NaN, 'n/a'],
  ];
  for (const [bytes, expected] of cases) {
    test(`${bytes} → ${expected}`, () => assert.equal(formatSignedBytes(bytes), expected));
  }
});

describe('formatMs', () => {
  const cases: Array<[number, string]> = [
    [0, '0.00 ms'],
    [0.04, '0.04 ms'],
    [0.5, '0.50 ms'],
    [1, '1.0 ms'],
    [3.2, '3.2 ms'],
    [9.94, '9.9 ms'],
    [10, '10 ms'],
    [120, '120 ms'],
    [120.6, '121 ms'],
    [Number.NaN, 'n/a'],
    [Number.POSITIVE_INFINITY, 'n/a'],
  ];
  for (const [ms, expected] of cases) {
    test(`${ms} → ${expected}`, () => assert.equal(formatMs(ms), expected));
  }
});

describe('isLoopbackAddress', () => {
  for (const address of [
    '127.0.0.1',
    '127.255.255.254',
    '127.1.2.3',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '::FFFF:127.0.0.1',
  ]) {
    test(`${address} is loopback`, () => assert.equal(isLoopbackAddress(address), true));
  }
  for (const address of [
    '10.0.0.1',
    '128.0.0.1',
    '203.0.113.5',
    '',
    undefined,
    '127.0.0.1.5',
    '127.0.0',
    '127.0.0.256',
    '127.a.0.1',
    '::2',
    '::',
    '::ffff:10.0.0.1',
    'localhost',
    ' 127.0.0.1',
  ]) {
    test(`${JSON.stringify(address)} is not loopback`, () => assert.equal(isLoopbackAddress(address), false));
  }
});

describe('request ids', () => {
  test('new ids are valid, unique and share the process prefix', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.ok(isValidRequestId(id), id);
    const prefixes = new Set(ids.map((id) => id.split('-')[0]));
    assert.equal(prefixes.size, 1);
    assert.match([...prefixes][0] as string, /^[0-9a-f]{8}$/);
  });

  test('ids round-trip through a URL path segment unchanged', () => {
    const id = newRequestId();
    const parsed = new URL(`http://localhost/__ramflow/api/requests/${encodeURIComponent(id)}`).pathname
      .split('/')
      .pop();
    assert.equal(parsed, id);
    assert.ok(isValidRequestId(parsed));
  });

  for (const bad of [
    '../etc',
    '<script>',
    '',
    '0a1b2c3d',
    '0a1b2c3d-',
    '0A1B2C3D-1',
    '0a1b2c3d-1/..',
    '0a1b2c3d-1\n',
    'zzzzzzzz-1',
    '0a1b2c3d-1234567890abc',
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isValidRequestId(bad), false));
  }

  test('rejects non-strings', () => {
    for (const value of [undefined, null, 12345678, ['0a1b2c3d-1'], { id: '0a1b2c3d-1' }]) {
      assert.equal(isValidRequestId(value), false);
    }
  });
});
