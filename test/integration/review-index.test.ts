import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { parseConfig } from '../../src/config/load.ts';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { applyResends } from '../../src/review/resend.ts';
import { openReviewJournal, RESENDS_FILE } from '../../src/domain/review-journal.ts';
import { INDEX_FILE } from '../../src/review/slice-index.ts';
import { openSliceIndex } from '../../src/review/slice-queries.ts';
import { convert, quietLog, sliceSource, writeInbox } from '../support/dataset.ts';
import { sentCustomIds } from '../support/daemon.ts';
import { testEmulator } from '../support/emulator.ts';
import { testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';
import { ATTEMPT_MARKER } from '../../src/domain/custom-id.ts';

test('the search index: built when missing, rebuilt when the data folder changes, never the truth', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  const a = sliceSource('repo_a', 61, 0.3);
  const first = a(5);
  await writeInbox(data, 'repo_a/s.jsonl', [...first, 'not json']);
  await convert(data, config);
  const p = await testPipeline(t, await testEmulator(t), data);
  await p.settle();
  const paths = dataPaths(data, '.');
  let clock = 0;
  const index = await openSliceIndex({
    paths,
    log: quietLog,
    checkMs: 1000,
    waitMs: 60_000,
    now: () => clock,
  });
  t.after(() => index.close());

  const all = await index.search({});
  assert.equal(all.total, 6);
  assert.deepEqual(
    all.rows.map((r) => [r.slice_id, r.category, r.line]),
    [...first.map((s, i) => [s.id, 'record', i + 1]), [null, 'rejected', 6]],
  );
  assert.equal((await index.search({ q: first[2]!.id })).rows[0]?.slice_id, first[2]!.id);
  assert.equal(
    (await index.search({ q: first[3]!.name.slice(1, 9) })).rows.some(
      (r) => r.slice_id === first[3]!.id,
    ),
    true,
  );
  const cls = first.find((s) => s.type === 'class')!;
  // A part of a name with a filter: the full-text index and the filter together.
  const part = cls.name.slice(1, 6);
  const filtered = await index.search({ q: part, scenario: 'scenario2', repo: 'repo_a' });
  assert.ok(filtered.rows.some((r) => r.slice_id === cls.id));
  assert.ok(
    filtered.rows.every(
      (r) => r.scenario === 'scenario2' && r.name!.toLowerCase().includes(part.toLowerCase()),
    ),
  );
  assert.equal(
    (await index.search({ q: part, scenario: 'scenario1' })).rows.some(
      (r) => r.slice_id === cls.id,
    ),
    false,
  );
  assert.ok(
    (await index.search({ scenario: 'scenario2' })).rows.every((r) => r.scenario === 'scenario2'),
  );
  assert.ok(
    (await index.search({ scenario: 'scenario2' })).rows.some((r) => r.slice_id === cls.id),
  );
  assert.equal((await index.search({ repo: '_' })).total, 0);
  const answers = await index.answers(
    'repo_a',
    `scenario1_${first.find((s) => s.type === 'function')!.id}`,
  );
  assert.equal(answers.length, 1);

  // A slice appended: not seen until the next check, then found (the index was rebuilt).
  const late = a(1)[0]!;
  await writeInbox(data, 'repo_a/s.jsonl', [...first, 'not json', late]);
  assert.equal((await index.search({ q: late.id })).total, 0, 'checked less than 1 s ago');
  clock += 1000;
  const found = await index.search({ q: late.id });
  assert.deepEqual(
    found.rows.map((r) => [r.slice_id, r.category]),
    [[late.id, 'not_converted']],
  );

  // A damaged or deleted index is only rebuilt: the data folder is the truth.
  index.close();
  await writeFile(join(paths.state, INDEX_FILE), 'not a database');
  const again = await openSliceIndex({ paths, log: quietLog });
  t.after(() => again.close());
  assert.equal((await again.search({})).total, 7);
});

test('a resend becomes one batch input file with the next attempt, also after a crash between its two writes', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  const slices = sliceSource('repo_a', 62, 0)(3);
  await writeInbox(data, 'repo_a/s.jsonl', slices);
  await convert(data, config);
  const p = await testPipeline(t, await testEmulator(t), data);
  await p.settle();
  const paths = dataPaths(data, '.');
  const journal = await openReviewJournal(paths.state);
  const customId = `scenario1_${slices[1]!.id}`;
  await journal.append({
    t: 'resend',
    repo: 'repo_a',
    custom_id: customId,
    attempt: 1,
    reason: 'again',
    at: new Date().toISOString(),
  });
  const options = { paths, now: () => Date.now(), log: quietLog, counterFor: tokenCounters() };
  const written = await applyResends(options);
  assert.equal(written.length, 1);
  const request = JSON.parse((await readFile(join(data, written[0]!), 'utf8')).trim());
  assert.equal(request.custom_id, `${customId}${ATTEMPT_MARKER}2`);
  assert.equal(request.body.messages.length, 2);
  assert.deepEqual(await applyResends(options), [], 'done once');
  // The note lost (a crash after the file was written): noted again, no second file.
  await rm(join(paths.state, RESENDS_FILE));
  assert.deepEqual(await applyResends(options), []);
  assert.equal((await sentCustomIds(paths.batchInput)).get(`${customId}${ATTEMPT_MARKER}2`), 1);
  // Through the normal queue: submitted, answered, recorded as attempt 2.
  await p.settle();
  const ledger = (await readFile(join(paths.state, 'ledger.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(ledger.some((r) => r.custom_id === customId && r.attempt === 2 && r.fate === 'usable'));
  await journal.close();
});
