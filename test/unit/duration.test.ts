import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration, tryParseDuration } from '../../src/shared/duration.ts';

const HINT = "use a number of seconds or e.g. '30s', '10m', '1h'";

describe('parseDuration', () => {
  const valid: [input: string | number, ms: number][] = [
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5m', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['2m30s', 150_000],
    ['1s500ms', 1_500],
    ['0.5s', 500],
    ['0s', 0],
    [' 45s ', 45_000],
    ['90', 90_000], // a flag's value arrives as text: a bare number is seconds
    [30, 30_000],
    [0.25, 250],
    [0, 0],
  ];
  for (const [input, ms] of valid) {
    test(`${JSON.stringify(input)} is ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms);
      assert.deepEqual(tryParseDuration(input), { ok: true, ms });
    });
  }

  const invalid: [input: unknown, shown: string][] = [
    ['10x', "'10x'"],
    ['', "''"],
    ['s', "'s'"],
    ['-5s', "'-5s'"],
    ['30m1h', "'30m1h'"], // components go from hours down
    ['1h1h', "'1h1h'"],
    ['1e3s', "'1e3s'"],
    ['30 s', "'30 s'"],
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ seconds: 5 }, 'an object'],
  ];
  for (const [input, shown] of invalid) {
    test(`${shown} is rejected with the hint`, () => {
      const message = `${shown} is not a duration: ${HINT}`;
      assert.deepEqual(tryParseDuration(input), { ok: false, message });
      assert.throws(() => parseDuration(input as string), { message });
    });
  }
});

describe('formatDuration', () => {
  const cases: [ms: number, text: string][] = [
    [0, '0ms'],
    [250, '250ms'],
    [999.4, '999ms'],
    [999.6, '1s'],
    [1_500, '1.5s'],
    [30_000, '30s'],
    [59_960, '1m'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [3_605_000, '1h5s'],
    [-1_500, '-1.5s'],
  ];
  for (const [ms, text] of cases) {
    test(`${ms} ms is '${text}'`, () => assert.equal(formatDuration(ms), text));
  }

  test('values shown exactly parse back to the same milliseconds', () => {
    for (const ms of [250, 1_500, 30_000, 90_000, 5_400_000, 3_605_000]) {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
  });
});
