import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenSliceIds } from '../../src/domain/seen-slice-ids.ts';
import { ByteSink } from '../../src/storage/byte-sink.ts';

test('the id set keeps every id and where it was first seen, through many growths', () => {
  const seen = new SeenSliceIds(4);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    assert.equal(seen.add(`repo_x_${i}_func`, { source: i % 7, lineNo: i + 1 }), undefined);
  }
  assert.equal(seen.size, n);
  for (let i = 0; i < n; i += 997) {
    assert.deepEqual(seen.get(`repo_x_${i}_func`), { source: i % 7, lineNo: i + 1 });
    // A second add reports the first place and changes nothing.
    assert.deepEqual(seen.add(`repo_x_${i}_func`, { source: 99, lineNo: 1 }), {
      source: i % 7,
      lineNo: i + 1,
    });
  }
  assert.equal(seen.size, n);
  assert.equal(seen.get('repo_x_100000_func'), undefined);
  assert.equal(seen.get(''), undefined);
});

test('the byte sink grows as needed and holds exactly the UTF-8 of what was written', () => {
  const sink = new ByteSink(8);
  const parts = ['{"a":', 'é→数据🎉', 'x'.repeat(1000), '', Buffer.from([0x0a])] as const;
  let expected = Buffer.alloc(0);
  for (let round = 0; round < 50; round++) {
    for (const p of parts) {
      if (typeof p === 'string') sink.writeString(p);
      else sink.writeBytes(p);
      expected = Buffer.concat([expected, typeof p === 'string' ? Buffer.from(p) : p]);
    }
  }
  assert.equal(sink.length, expected.length);
  assert.ok(sink.bytes.equals(expected));
  sink.reset();
  assert.equal(sink.length, 0);
  sink.writeString('again');
  assert.equal(sink.bytes.toString(), 'again');
});
