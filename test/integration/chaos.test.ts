/**
 * A short chaos run (scripts/chaos.ts; `npm run chaos -- --trials 50` for a long one): the
 * daemon killed with SIGKILL again and again against a faulty emulator while files arrive,
 * then finishing with nothing lost, nothing paid twice and every bad line explained.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from '../../scripts/chaos.ts';

test('SIGKILLs at random moments lose no slice, submit no input twice, explain every bad line', async (t) => {
  const report = await runChaos({ trials: 6, seed: 3, log: (line) => t.diagnostic(line) });
  t.diagnostic(JSON.stringify(report));
  assert.equal(report.kills, 6);
  assert.ok(report.slices > 0 && report.badLines > 0, 'the run had slices and bad lines');
  assert.equal(report.usable + report.final, report.slices, 'every slice has an end');
});
