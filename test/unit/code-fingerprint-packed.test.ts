import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PACKED_WORDS,
  fingerprintCode,
  packFingerprints,
  unpackFingerprint,
} from '../../src/domain/code-fingerprint.ts';

const CODES: [string, string][] = [
  ['def f(a, b):\n    # sum\n    return a + b * 2 - f(a - 1, b) if a > 0 else b // 3\n', 'a.py'],
  ['function f(a, b) { // sum\n  return a + b * 2 - f(a - 1, b) + "x" + `y` + #z;\n}\n', 'a.js'],
  ['x = 1  # too short to compare', 'b.py'],
  ['', 'c.py'],
];

test('a packed fingerprint (made in another thread) is the same as the one made in place', () => {
  const flags = Uint8Array.from(CODES.map(([, path]) => (path.endsWith('.py') ? 1 : 0)));
  const words = packFingerprints(
    CODES.map(([code]) => code),
    flags,
  );
  assert.equal(words.length, CODES.length * PACKED_WORDS);
  CODES.forEach(([code, path], i) => {
    const inPlace = fingerprintCode(code, path);
    const packed = unpackFingerprint(words, i * PACKED_WORDS);
    assert.deepEqual(packed.exactWords, inPlace.exactWords, path);
    assert.equal(packed.exact, inPlace.exact);
    assert.equal(packed.tokens, inPlace.tokens);
    assert.deepEqual(
      packed.signature && [...packed.signature],
      inPlace.signature && [...inPlace.signature],
    );
  });
  // The short ones have no signature; the comment style follows the file.
  assert.equal(unpackFingerprint(words, 2 * PACKED_WORDS).signature, undefined);
  assert.notEqual(
    unpackFingerprint(words, 0).exact,
    unpackFingerprint(packFingerprints([CODES[0]![0]], Uint8Array.of(0)), 0).exact,
  );
});
