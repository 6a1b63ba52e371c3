/**
 * Answers the model will not give, as the real API sends them: the content filter stopping an
 * answer (chat `finish_reason: "content_filter"`, Responses `incomplete` for `content_filter`),
 * and structured-outputs refusals (chat `message.refusal` with `content: null`, a Responses
 * `refusal` content part). The same request would be refused again and paid again: each is a
 * final fate at once, explained, reported under `refused` by compile and on the review page.
 * Also the Responses endpoint's `incomplete` for `max_output_tokens`: retried with a larger
 * budget, as chat's `finish_reason: "length"`.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import type { FailureEntry } from '../../src/compile/failure-categories.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { batchInputName, fileTimestamp, manifestNameFor } from '../../src/domain/file-names.ts';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { openSliceIndex } from '../../src/review/slice-queries.ts';
import { writeJsonAtomic } from '../../src/storage/atomic-file.ts';
import { computeManifest } from '../../src/submit/batch-input-files.ts';
import { quietLog, readJsonl } from '../support/dataset.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { openSubmitAndPoll } from '../support/submit-and-poll.ts';
import { settledWithRefusals } from '../support/refusals.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

test('chat: a refusal and a content-filtered answer are final at once, reported as refused by compile and the page', async (t) => {
  const { data, slices, p } = await settledWithRefusals(t);
  const report = await checkInvariant(data);
  assert.equal(report.usable, 4);
  assert.equal(report.retries, 0, 'neither is sent again: it would be refused and paid again');
  const reasons = [...report.final.values()].sort();
  assert.equal(reasons.length, 2);
  assert.match(reasons.find((r) => /filter/.test(r)) ?? '', /^refused: .*content filter/);
  assert.match(
    reasons.find((r) => /declined/.test(r)) ?? '',
    /^refused: the model declined: "I'm sorry, but I can't assist with that request\."/,
  );

  const paths = dataPaths(data, '.');
  const compiled = await compileDataset({
    paths,
    config: p.config,
    now: () => RUN_START,
    log: quietLog,
  });
  const failures = (await readJsonl(compiled.failures.path)) as FailureEntry[];
  assert.deepEqual(
    failures.map((f) => [f.slice_id, f.category]).sort(),
    [
      [slices[0]!.id, 'refused'],
      [slices[1]!.id, 'refused'],
    ].sort(),
  );
  const index = await openSliceIndex({ paths, log: quietLog });
  t.after(() => index.close());
  const shown = await index.search({ category: 'refused' });
  assert.deepEqual(shown.rows.map((r) => r.slice_id).sort(), [slices[0]!.id, slices[1]!.id].sort());
  assert.ok(shown.rows.every((r) => /^refused: /.test(r.reason ?? '')));
});

const counters = tokenCounters();

/** A batch input file of Responses requests (`/v1/responses`) in the batch input stage. */
async function writeResponsesInput(data: string, ids: readonly string[]): Promise<void> {
  const dir = join(data, '3.batch_input', 'repo_r');
  await mkdir(dir, { recursive: true });
  const name = batchInputName('scenario1', fileTimestamp(RUN_START), 0);
  const lines = ids.map((id) =>
    JSON.stringify({
      custom_id: id,
      method: 'POST',
      url: '/v1/responses',
      body: {
        model: 'gpt-5-mini',
        instructions: 'You explain code.',
        input: `Explain the function of ${id}.`,
        max_output_tokens: 200,
        reasoning: { effort: 'low' },
      },
    }),
  );
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  await writeJsonAtomic(
    join(dir, manifestNameFor(name)),
    await computeManifest(path, name, counters),
  );
}

test('responses: a refusal part and an incomplete content_filter are final at once', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'refusal', custom_id: '_0000_func' },
        { kind: 'content_filter', custom_id: '_0001_func' },
      ],
    },
  });
  const data = await tempDir(t);
  await writeResponsesInput(data, [
    'scenario1_r_0000_func',
    'scenario1_r_0001_func',
    'scenario1_r_0002_func',
  ]);
  const p = await openSubmitAndPoll(t, env, data);
  for (let i = 0; i < 4; i++) {
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
    await p.poller.tick();
  }
  const report = await checkInvariant(data);
  assert.equal(report.usable, 1);
  assert.equal(report.retries, 0);
  const reasons = [...report.final.entries()].sort();
  assert.match(reasons[0]![1], /^refused: the model declined: "I'm sorry/);
  assert.match(reasons[1]![1], /^refused: .*content filter.*incomplete/);
});

test('responses: incomplete for max_output_tokens with no answer is retried with a larger max_output_tokens', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      requests: [{ kind: 'reasoning_length', custom_id: '_000[01]_func', min_budget: 300 }],
    },
  });
  const data = await tempDir(t);
  await writeResponsesInput(data, [
    'scenario1_r_0000_func',
    'scenario1_r_0001_func',
    'scenario1_r_0002_func',
  ]);
  const p = await openSubmitAndPoll(t, env, data, {
    retry: { length_budget_factor: 2, max_completion_tokens_cap: 1000 },
  });
  const raw = await (async () => {
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
    const [job] = [...p.submitter.jobs.values()];
    const b = await env.client.batches.retrieve(job!.batch_id);
    const text = await (await env.client.files.content(b.output_file_id!)).text();
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  })();
  const cut = raw.find((l) => l.custom_id === 'scenario1_r_0000_func').response.body;
  assert.equal(cut.status, 'incomplete', 'the emulator says it as the Responses API does');
  assert.deepEqual(cut.incomplete_details, { reason: 'max_output_tokens' });
  for (let i = 0; i < 5; i++) {
    await p.poller.tick();
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
  }
  await p.poller.tick();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 3, 'answered once the budget was 400');
  assert.equal(report.retries, 2, 'one retry each');
  const retryFile = (await p.files()).find((f) => f.manifest.attempt === 2)!;
  const lines = (await readFile(retryFile.path, 'utf8')).split('\n').filter(Boolean);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).body.max_output_tokens),
    [400, 400],
  );
  assert.ok(lines.every((l) => JSON.parse(l).body.max_completion_tokens === undefined));
});
