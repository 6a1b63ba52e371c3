/**
 * chooseRequirement: the same slice id always gets the same requirement, the one the first four
 * bytes of the SHA-256 of its UTF-8 name pick (big-endian, modulo the number of requirements).
 * Batch input files written before and after must agree, so the choice is pinned here against
 * that definition, for every kind of id a slicer may write.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { chooseRequirement } from '../../src/domain/slice-fields.ts';

const byDefinition = <R>(id: string, requirements: readonly R[]): R =>
  requirements[
    createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % requirements.length
  ]!;

const ids = [
  'repo_stdlib_00000_class',
  'a',
  ' spaced id ',
  'naïve_klass',
  'クラス_42',
  '😀_emoji',
  'lone_\ud800_surrogate',
  'trailing_\udfff',
  'x'.repeat(10_000),
  ...Array.from({ length: 2_000 }, (_, i) => `repo_${i % 7}_${String(i).padStart(5, '0')}_class`),
];

test('every id gets the requirement its SHA-256 picks, for any number of requirements', () => {
  for (const n of [1, 2, 3, 5, 6, 7, 13, 64]) {
    const requirements = Array.from({ length: n }, (_, i) => i);
    for (const id of ids) {
      assert.equal(chooseRequirement(id, requirements), byDefinition(id, requirements), id);
    }
  }
});

test('no requirements is an error', () => {
  assert.throws(() => chooseRequirement('id', []), /no requirements configured/);
});
