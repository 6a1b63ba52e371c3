/**
 * The emulator closing while a batch is being answered: the run is dropped with its files, and
 * a write still under way must not surface as an error (seen in a full test run as an uncaught
 * ERR_STREAM_DESTROYED, failing whichever test was running when it came).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { test } from 'node:test';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { createBatchRunner } from '../../src/emulator/batch-runner.ts';
import { createFaults, NO_FAULTS } from '../../src/emulator/faults.ts';
import { requestLine } from '../support/emulator.ts';
import { tempDir } from '../support/temp-dir.ts';

test('a batch run dropped while it writes its answers ends quietly', async (t) => {
  const dir = await tempDir(t);
  const input = join(dir, 'input.jsonl');
  const requests = 3000;
  await writeFile(
    input,
    Array.from({ length: requests }, (_, i) => `${requestLine(`scenario1_s${i}_func`)}\n`).join(''),
  );
  const counter = await tokenCounters()('o200k_base');
  const errors: string[] = [];
  const uncaught = (err: unknown) => errors.push(`uncaught: ${String(err)}`);
  process.on('uncaughtException', uncaught);
  t.after(() => process.off('uncaughtException', uncaught));
  for (const [i, after] of [1, 10, 100, 500, 1000].entries()) {
    const runner = createBatchRunner({
      batchId: `batch_${i}`,
      inputPath: input,
      outputPath: join(dir, `output_${i}.jsonl`),
      errorPath: join(dir, `errors_${i}.jsonl`),
      seed: 1,
      faults: createFaults(NO_FAULTS),
      failAll: false,
      counterFor: () => counter,
      now: () => 0,
    });
    const advancing = runner
      .advance(requests)
      .catch((err: unknown) => errors.push(`advance: ${String(err)}`));
    // Dropped part of the way, with answers being written.
    while (runner.processed < after) await turn();
    await runner.abort();
    await advancing;
    assert.ok(runner.processed < requests, 'the run stopped when dropped');
    // Writes under way finish (or fail) within a few turns of the event loop.
    for (let k = 0; k < 50; k++) await turn();
  }
  assert.deepEqual(errors, []);
});
