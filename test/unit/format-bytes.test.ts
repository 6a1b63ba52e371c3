/**
 * formatBytes writes sizes in decimal units, as the configuration's limits
 * (`limits.max_bytes_per_file`), the progress bar and the benchmarks count them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../src/format.ts';

test('formatBytes counts 1,000 bytes to a KB and 1,000,000 to a MB', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 KB'],
    [1500, '1.5 KB'],
    [1024, '1.0 KB'],
    [99_949, '99.9 KB'],
    [123_456, '123 KB'],
    [999_499, '999 KB'],
    [999_999, '1.0 MB'],
    [1_048_576, '1.0 MB'],
    [190_000_000, '190 MB'],
    [271_000_000, '271 MB'],
    [1_084_000_000, '1.1 GB'],
    [5_000_000_000_000, '5.0 TB'],
    [5_000_000_000_000_000, '5000 TB'],
  ];
  for (const [n, text] of cases) assert.equal(formatBytes(n), text, `${n} bytes`);
});
