import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCustomIdSources } from '../../src/domain/batch-input-ids.ts';
import { openSentRequests } from '../../src/poll/sent-requests.ts';
import { tempDir } from '../support/temp-dir.ts';

const request = (id: string, pad = 0) =>
  `${JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(pad) }] } })}\n`;

test('the requests of an input file as numbers: the same answers as the ids as strings', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'scenario1_batch_input_20000101_000000.jsonl');
  const ids = Array.from({ length: 3000 }, (_, i) => `scenario1_repo_${i}_func`);
  // A custom_id longer than what is read back at first, one not first in its line, a line
  // that is not a request, the same id twice (the first line is the request), a BOM.
  const long = `scenario1_${'long_'.repeat(200)}func`;
  const lines = [
    '\uFEFF' + request(ids[0]!),
    ...ids.slice(1).map((id, i) => request(id, i % 7)),
    request(long),
    `${JSON.stringify({ method: 'POST', custom_id: 'scenario1_keyed_later' })}\n`,
    'not json\n',
    request(ids[5]!, 50),
  ];
  await writeFile(path, lines.join(''));
  await writeFile(
    join(dir, 'scenario1_batch_input_20000101_000000.manifest.json'),
    JSON.stringify({
      source_lines: [
        { source: 'a.jsonl', first_line: 1, lines: 1000 },
        { source: 'b.jsonl', first_line: 1001, lines: 2001 },
      ],
    }),
  );
  const sent = await openSentRequests(path);
  t.after(() => sent.close());
  const all = [...ids, long, 'scenario1_keyed_later'];
  assert.equal(sent.size, all.length);
  const sources = await readCustomIdSources(path);
  for (const [i, id] of all.entries()) {
    assert.equal(sent.indexOf(id), i, id);
    if (id !== ids[5]) assert.equal(sent.sourceOf(i), sources.get(id), `source of ${id}`);
  }
  assert.equal(sent.sourceOf(0), 'a.jsonl');
  assert.equal(sent.sourceOf(2999), 'b.jsonl');
  assert.equal(sent.sourceOf(3001), undefined, 'past the runs');
  for (const id of ['scenario1_repo_3000_func', 'scenario1_repo_1_fun', '', long + 'x']) {
    assert.equal(sent.indexOf(id), -1, id);
  }
  const again: string[] = [];
  for await (const batch of sent.ids()) {
    for (const r of batch) {
      assert.equal(r.index, again.length);
      again.push(r.id);
    }
  }
  assert.deepEqual(again, all, 'in the file order, each once');
});

test('an empty input file has no requests', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'empty.jsonl');
  await writeFile(path, '');
  const sent = await openSentRequests(path);
  assert.equal(sent.size, 0);
  assert.equal(sent.indexOf('scenario1_x'), -1);
  sent.close();
});
