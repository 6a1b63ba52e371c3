/**
 * formatCount writes integers itself (the first toLocaleString of a process sets up ICU's
 * number formatting, about 12 ms of a command's start): the same text as
 * toLocaleString('en-US') for every number.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount } from '../../src/format.ts';

test('formatCount is toLocaleString("en-US"), integers or not', () => {
  const numbers = [
    0,
    -0,
    1,
    -1,
    999,
    1000,
    -1000,
    12_345,
    999_999,
    1_000_000,
    -98_765_432,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    2 ** 60,
    1.5,
    1234.5678,
    -0.0004,
    1e21,
    Infinity,
    -Infinity,
    NaN,
  ];
  for (let k = 0; k < 2_000; k++) numbers.push(Math.round((Math.random() - 0.5) * 10 ** (k % 17)));
  for (const n of numbers) assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
});
