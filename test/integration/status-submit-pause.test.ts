/**
 * `slicebatch status` shows a kept submission pause (the long 429 of the batch creations an
 * hour, kept in `.slicebatch/submit-pause.json` across restarts) while it holds: in `--json`
 * (`submit_pause`) and on the screen ("submission paused until <time> (<why>)"); one that has
 * passed is not shown, and neither is a broken file (it holds nothing up).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { overviewPart } from '../../src/review/overview-page.ts';
import { statusOf as status } from '../support/cli.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOUR = 3_600_000;
const WHY = 'the API limits these calls: 429 rate_limit_exceeded: too many batches created';

/** A data folder whose state folder holds `pause` (the file's text) as its kept pause. */
async function folderWithPause(t: Parameters<typeof tempDir>[0], text: string): Promise<string> {
  const data = await tempDir(t);
  await mkdir(join(data, '.slicebatch'), { recursive: true });
  await writeFile(join(data, '.slicebatch', 'submit-pause.json'), text);
  await writeFile(join(data, 'config.json'), JSON.stringify({ data_dir: '.' }));
  return data;
}

test('status names a kept submission pause that still holds: until when and why', async (t) => {
  const until = Date.now() + HOUR;
  const data = await folderWithPause(t, JSON.stringify({ until, reason: WHY }));
  const { report, screen } = await status(data);
  const iso = new Date(until).toISOString();
  assert.deepEqual(report.submit_pause, { until: iso, reason: WHY });
  assert.ok(
    screen.includes(`submission paused until ${iso} (${WHY})`),
    `the screen names the pause:\n${screen}`,
  );
  const page = overviewPart(report, []).toString();
  assert.ok(
    page.includes(`submission paused until ${iso} (${WHY})`),
    "the review page's overview names it too",
  );
});

test('status shows no pause once it has passed, nor a broken pause file', async (t) => {
  for (const text of [
    JSON.stringify({ until: Date.now() - 60_000, reason: WHY }),
    '{"until": "soon"',
  ]) {
    const data = await folderWithPause(t, text);
    const { report, screen } = await status(data);
    assert.equal(report.submit_pause, null, text);
    assert.ok(!screen.includes('submission paused'), screen);
    assert.ok(!overviewPart(report, []).toString().includes('submission paused'));
  }
});
