import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import { downloadVerified, ResultVerificationError } from '../../src/poll/result-download.ts';
import { tempDir } from '../support/temp-dir.ts';

/** A server whose file holds `content`, whatever is asked (no resume). */
function serving(content: string): BatchApi {
  return {
    async downloadFile(_id: string, path: string) {
      await writeFile(path, content);
      return Buffer.byteLength(content);
    },
  } as unknown as BatchApi;
}

const line = (id: string) => JSON.stringify({ custom_id: id, response: null, error: null });

test('result files are taken as they are: counts noted, lines not sent or repeated skipped', async (t) => {
  const dir = await tempDir(t);
  const content = [line('a'), line('zz'), line('b'), line('a')].map((l) => `${l}\n`).join('');
  const v = await downloadVerified({
    api: serving(content),
    fileId: 'file-x',
    path: join(dir, 'r.jsonl'),
    expectedLines: 4,
    sent: new Set(['a', 'b', 'c']),
  });
  assert.equal(v.lines, 2);
  assert.deepEqual(v.notes, [
    'line 2 skipped: custom_id "zz" was not sent',
    'line 4 skipped: custom_id a twice',
    '2 usable lines where request_counts says 4',
  ]);
});

test('a line that is not JSON is fetched again until acceptFlawed, then skipped and noted', async (t) => {
  const dir = await tempDir(t);
  const content = `${line('a')}\n{"custom_id": "b", "resp\n`;
  const options = {
    api: serving(content),
    fileId: 'file-x',
    path: join(dir, 'r.jsonl'),
    expectedLines: 2,
    sent: new Set(['a', 'b']),
  };
  await assert.rejects(downloadVerified(options), ResultVerificationError);
  const v = await downloadVerified({ ...options, acceptFlawed: true });
  assert.equal(v.lines, 1);
  assert.deepEqual(v.notes, [
    'line 2 skipped: not JSON',
    '1 usable lines where request_counts says 2',
  ]);
});
