/**
 * `estimate` while a conversion runs (the daemon): the batch input files are listed once, before
 * the dry run, and that list is both what counts as converted and what waits to be sent, so a
 * file sealed meanwhile has its slices counted once (as slices not converted), not twice.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  batchInputSnapshot,
  waitingFiles,
  waitingSlices,
} from '../../src/cli/commands/estimate-waiting.ts';
import { parseConfig } from '../../src/config/load.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { WaitingRequests } from '../../src/status/estimate.ts';
import { runCli } from '../support/cli.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const quietLog = await createLogger({ level: 'silent', stream: { write() {} } });

const requests = (rows: readonly WaitingRequests[], what: WaitingRequests['what']): number =>
  rows.filter((r) => r.what === what).reduce((n, r) => n + r.requests, 0);

for (const dedup of [false, true]) {
  test(`estimate counts each slice once when a conversion seals its file meanwhile (dedup ${dedup ? 'on' : 'off'})`, async (t) => {
    const data = await tempDir(t);
    const gen = createSliceGenerator({ repository: 'repo_w', seed: 7, classRatio: 0.3 });
    const slices = Array.from({ length: 16 }, () => gen.next());
    await mkdir(join(data, '2.reviewed_slices', 'repo_w'), { recursive: true });
    await writeFile(join(data, '2.reviewed_slices', 'repo_w', 'w.jsonl'), jsonl(slices));
    await writeFile(join(data, 'config.json'), JSON.stringify({ dedup: { enabled: dedup } }));
    const config = parseConfig({ dedup: { enabled: dedup } }, 'test');
    const paths = dataPaths(data, '.');

    // Listed before the conversion runs: no batch input file yet.
    const before = await batchInputSnapshot(paths.batchInput, paths);
    assert.deepEqual(before, []);
    const run = await runCli(['process', '--data-dir', data, '-q'], { cwd: data });
    assert.equal(run.code, 0, run.stderr);

    // Read after the conversion sealed its files, as of the list made before it.
    const stale = [
      ...(await waitingSlices(paths.reviewed, paths, config, quietLog, before)).waiting,
      ...(await waitingFiles(before, paths, config)),
    ];
    const sent = requests(stale, 'reviewed_slices');
    assert.equal(requests(stale, 'batch_input_files'), 0);

    // Listed after: the same slices, now as files waiting to be sent.
    const after = await batchInputSnapshot(paths.batchInput, paths);
    assert.ok(after.length > 0);
    const now = [
      ...(await waitingSlices(paths.reviewed, paths, config, quietLog, after)).waiting,
      ...(await waitingFiles(after, paths, config)),
    ];
    assert.equal(requests(now, 'reviewed_slices'), 0);
    assert.equal(requests(now, 'batch_input_files'), sent);
    // Without dedup every slice is sent; with it, those not duplicates of another.
    if (!dedup) assert.equal(sent, slices.length);
    assert.ok(sent > 0);
  });
}
