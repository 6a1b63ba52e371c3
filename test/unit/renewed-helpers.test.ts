/**
 * The daemon's conversion helpers (renewedHelpers): the same helpers while they work, new ones
 * once they failed (their thread stopped), none after close.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  inlineHelpers,
  renewedHelpers,
  type ConvertHelpers,
} from '../../src/convert/helper-thread-client.ts';

/** Inline helpers that can be made to fail, and count their closes. */
function failable(): ConvertHelpers & { failed: Error | undefined; closes: number } {
  const h = { ...inlineHelpers(), failed: undefined as Error | undefined, closes: 0 };
  h.close = () => {
    h.closes++;
    return Promise.resolve();
  };
  return h;
}

test('helpers that failed are closed and made again for the next use; the reason is told', async () => {
  const made: ReturnType<typeof failable>[] = [];
  const told: string[] = [];
  const renewed = renewedHelpers(
    () => {
      const h = failable();
      made.push(h);
      return h;
    },
    (why) => told.push(why.message),
  );
  assert.equal(renewed.current(), made[0]);
  assert.equal(renewed.current(), made[0], 'working: the same');
  made[0]!.failed = new Error('helper thread stopped (exit 1)');
  const next = renewed.current();
  assert.equal(next, made[1]);
  assert.equal(made[0]!.closes, 1);
  assert.deepEqual(told, ['helper thread stopped (exit 1)']);
  assert.equal(renewed.current(), next);

  await renewed.close();
  assert.equal(made[1]!.closes, 1);
  made[1]!.failed = new Error('helper thread closed');
  assert.equal(renewed.current(), made[1], 'after close: none made again');
  assert.equal(made.length, 2);
});
