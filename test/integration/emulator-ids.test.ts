/**
 * The emulator's ids are unique, as the real API's are: two emulators with the same seed, or
 * one started again on its state folder, never hand out an id another already did (a user's
 * job files name the old ones). The seed still decides everything else: which requests a
 * fault picks and the order a batch's requests finish in do not depend on the ids.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { ManualClock } from '../../src/emulator/clock.ts';
import { startEmulator } from '../../src/emulator/emulator.ts';
import { FaultProfileSchema } from '../../src/emulator/faults.ts';
import { testAnthropic } from '../support/anthropic.ts';
import {
  downloadLines,
  TEST_SCHEDULE,
  uploadRequests,
  type TestEmulator,
} from '../support/emulator.ts';
import { deferCleanup, tempDir } from '../support/temp-dir.ts';

const FAULTS = { seed: 5, requests: [{ kind: 'invalid_json', rate: 0.3 }] };

/** An emulator with the profile above, on a manual clock, on `stateDir` when given. */
async function emulatorOn(t: TestContext, stateDir?: string): Promise<TestEmulator> {
  const clock = new ManualClock();
  const emulator = await startEmulator({
    clock,
    schedule: TEST_SCHEDULE,
    faults: FaultProfileSchema.parse(FAULTS),
    tickMs: 0,
    ...(stateDir === undefined ? {} : { stateDir }),
  });
  deferCleanup(t, () => emulator.close());
  const client = new OpenAI({ baseURL: emulator.url, apiKey: 'k-test', maxRetries: 0 });
  return {
    emulator,
    clock,
    client,
    async advance(ms) {
      await emulator.settle();
      clock.advance(ms);
      await emulator.settle();
    },
  };
}

/** Two files and their batches, run to the end: every id handed out, and what the seed decided. */
async function run(env: TestEmulator, dir: string) {
  const ids: string[] = [];
  const outputs: { customIds: string[]; broken: string[] }[] = [];
  for (const prefix of ['a', 'b']) {
    const file = await uploadRequests(env, dir, 40, { prefix, name: `${prefix}.jsonl` });
    const { data: batch, response } = await env.client.batches
      .create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      })
      .withResponse();
    ids.push(file.id, batch.id, response.headers.get('x-request-id') ?? 'none');
    await env.advance(60_000);
    const ended = await env.client.batches.retrieve(batch.id);
    assert.equal(ended.status, 'completed');
    ids.push(ended.output_file_id!);
    const lines = await downloadLines(env.client, ended.output_file_id);
    ids.push(...lines.map((l) => l.id as string));
    outputs.push({
      customIds: lines.map((l) => l.custom_id as string),
      broken: lines
        .filter((l) => l.response.body.choices[0].finish_reason === 'length')
        .map((l) => l.custom_id as string),
    });
  }
  return { ids, outputs };
}

test('two emulators with the same seed share no id, and the seed still decides the faults and the finish order', async (t) => {
  const dir = await tempDir(t);
  const one = await run(await emulatorOn(t), dir);
  const two = await run(await emulatorOn(t), dir);
  assert.equal(new Set(one.ids).size, one.ids.length, 'unique within an emulator');
  const shared = one.ids.filter((id) => two.ids.includes(id));
  assert.deepEqual(shared, [], 'no id handed out by both');
  assert.deepEqual(two.outputs, one.outputs, 'the same faulted requests, the same line order');
  assert.ok(one.outputs[0]!.broken.length > 0, 'the profile picked some requests');
});

test('an emulator started again on its state folder hands out no id it handed out before', async (t) => {
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const first = await emulatorOn(t, stateDir);
  const before = await run(first, dir);
  await first.emulator.close();
  const again = await emulatorOn(t, stateDir);
  const after = await run(again, dir);
  assert.deepEqual(
    after.ids.filter((id) => before.ids.includes(id)),
    [],
    'no id reused',
  );
  // The first run's files and batches are still there, as they were.
  const batches: string[] = [];
  for await (const b of again.client.batches.list()) batches.push(b.id);
  assert.equal(batches.length, 4, "both runs' batches");
});

test('two Anthropic emulators with the same seed share no message batch id', async (t) => {
  const ids: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const { emulator } = await testAnthropic(t, { seed: 5 });
    const made: string[] = [];
    for (let b = 0; b < 3; b++) {
      const res = await fetch(`${emulator.url}/v1/messages/batches`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'k-test',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          requests: [
            {
              custom_id: `r_${b}`,
              params: {
                model: 'claude-haiku-4-5',
                max_tokens: 50,
                messages: [{ role: 'user', content: 'hi' }],
              },
            },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      made.push(((await res.json()) as { id: string }).id);
    }
    ids.push(made);
  }
  assert.deepEqual(
    ids[1]!.filter((id) => ids[0]!.includes(id)),
    [],
  );
});
