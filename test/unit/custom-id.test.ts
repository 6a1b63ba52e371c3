import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildCustomId,
  parseCustomId,
  reservedSliceIdProblem,
} from '../../src/domain/custom-id.ts';

test('custom_id: every accepted slice id and attempt round-trips, whatever the id ends in', () => {
  const ids = ['foo', 'foo__a2', 'foo__a2__a3', 'a~attempt', 'x~attempt2y', 'é/../\u0000', '_'];
  for (const sliceId of ids) {
    assert.equal(reservedSliceIdProblem(sliceId), undefined, sliceId);
    for (const scenario of ['scenario1', 'scenario2'] as const) {
      for (const attempt of [1, 2, 3, 12]) {
        const id = buildCustomId(scenario, sliceId, attempt);
        assert.deepEqual(parseCustomId(id), {
          base: `${scenario}_${sliceId}`,
          attempt,
          scenario,
          sliceId,
        });
      }
    }
  }
  // foo at attempt 2 and the slice foo__a2 are two different custom_ids.
  assert.notEqual(buildCustomId('scenario1', 'foo', 2), buildCustomId('scenario1', 'foo__a2'));
});

test('custom_id: a slice id that could be read as a retry is refused with the reason', () => {
  assert.match(reservedSliceIdProblem('foo~attempt2') ?? '', /~attempt<digits>.*retried request/);
  assert.match(reservedSliceIdProblem('~attempt10') ?? '', /reserves/);
  assert.throws(() => buildCustomId('scenario1', 'foo', 0), /positive integer/);
});

test('custom_id: ids of older versions (`__a<n>`) are read as retries only in a file of attempt n', () => {
  // In a retry file of attempt 2 written by an older version.
  assert.deepEqual(parseCustomId('scenario1_foo__a2', 2), {
    base: 'scenario1_foo',
    attempt: 2,
    scenario: 'scenario1',
    sliceId: 'foo',
  });
  // The slice foo__a2 at attempt 2 in a retry file of this version.
  assert.equal(parseCustomId('scenario1_foo__a2~attempt2', 2).sliceId, 'foo__a2');
  // Anywhere else, `__a<n>` is part of the slice id.
  assert.equal(parseCustomId('scenario1_foo__a2').sliceId, 'foo__a2');
  assert.equal(parseCustomId('scenario1_foo__a2', 3).sliceId, 'foo__a2');
  assert.equal(parseCustomId('not_ours').scenario, undefined);
  assert.equal(parseCustomId('not_ours').sliceId, undefined);
});
