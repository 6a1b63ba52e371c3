/**
 * The daemon's pure decisions: when an inbox file is complete, what a file seen again
 * contributes, when `--once` has ended and with what status, whether the heartbeat says
 * healthy; and the readers they rely on (content fingerprints, reading from an offset).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { judgeHealth } from '../../src/domain/heartbeat.ts';
import { onceOutcome, type OnceState } from '../../src/daemon/once-outcome.ts';
import { createWorkQueue } from '../../src/daemon/work-queue.ts';
import { fingerprintFile } from '../../src/storage/content-fingerprint.ts';
import {
  isTemporaryNameOf,
  observe,
  readiness,
  type Observed,
} from '../../src/intake/file-readiness.ts';
import { decideIntake, quickCheck, type TakenRecord } from '../../src/intake/intake-log.ts';
import { readLineBatches } from '../../src/storage/jsonl-lines.ts';
import { createLogger } from '../../src/log/logger.ts';
import { beat } from '../support/heartbeat.ts';
import { jobWith, onceState } from '../support/once-state.ts';
import { tempDir } from '../support/temp-dir.ts';

const local = { stableMs: 2000, trustFileTimes: true };
const network = { stableMs: 2000, trustFileTimes: false };
const stat = (o: Partial<Observed> = {}): Observed => ({
  size: 100,
  mtimeMs: 10_000,
  ctimeMs: 10_000,
  ino: 7,
  ...o,
});

test('readiness: renamed files at once, files written in place once quiet for stable_ms', () => {
  // Its temporary name left the folder: at once.
  assert.deepEqual(readiness(observe(undefined, stat(), 10_001, true), 10_001, local), {
    ready: true,
    why: 'renamed',
  });
  // Its inode changed after its last write (moved in, or a chmod after writing): at once.
  assert.equal(
    readiness(observe(undefined, stat({ ctimeMs: 10_050 }), 10_060), 10_060, local).ready,
    true,
  );
  // Just written in place: not yet; again after 2 s without change.
  const c1 = observe(undefined, stat(), 10_100);
  assert.deepEqual(readiness(c1, 10_100, local), { ready: false, recheckInMs: 1900 });
  const grown = observe(c1, stat({ size: 200, mtimeMs: 11_000, ctimeMs: 11_000 }), 11_000);
  assert.equal(readiness(grown, 12_500, local).ready, false, 'it grew: the wait starts again');
  assert.deepEqual(readiness(observe(grown, grown.stat, 13_000), 13_000, local), {
    ready: true,
    why: 'stable',
  });
  // Found at start-up, last written an hour ago: at once on a local disk...
  const old = observe(undefined, stat({ mtimeMs: 0, ctimeMs: 0 }), 3_600_000);
  assert.equal(readiness(old, 3_600_000, local).ready, true);
  // ... but a network mount's clock is not trusted: watched for 2 s first.
  assert.equal(readiness(old, 3_600_000, network).ready, false);
  assert.equal(readiness(old, 3_602_000, network).ready, true);
  // An mtime in the future (clock skew) is not taken for old.
  const future = observe(undefined, stat({ mtimeMs: 99_999_999, ctimeMs: 99_999_999 }), 1000);
  assert.equal(readiness(future, 1000, local).ready, false);
});

test('temporary names of a file are its hidden name and its name with a temporary suffix', () => {
  assert.ok(isTemporaryNameOf('x.jsonl.tmp', 'x.jsonl'));
  assert.ok(isTemporaryNameOf('x.jsonl.PART', 'x.jsonl'));
  assert.ok(isTemporaryNameOf('.x.jsonl', 'x.jsonl'));
  assert.ok(!isTemporaryNameOf('y.jsonl.tmp', 'x.jsonl'));
  assert.ok(!isTemporaryNameOf('x.jsonl.bak', 'x.jsonl'));
});

function taken(o: Partial<TakenRecord> = {}): TakenRecord {
  return {
    t: 'taken',
    file: 'repo/a.jsonl',
    repo: 'repo',
    size: 100,
    mtime_ms: 5,
    ino: 9,
    sha256: 'aaa',
    newlines: 4,
    ends_with_newline: true,
    converted: 4,
    rejected: 0,
    already_converted: 0,
    at: 1,
    ...o,
  };
}

test('intake: unchanged without reading; same content skipped; appends read from the end', () => {
  assert.deepEqual(quickCheck(undefined, { size: 10, mtimeMs: 1, ino: 1 }), {
    kind: 'fingerprint',
  });
  assert.deepEqual(quickCheck(taken(), { size: 100, mtimeMs: 5, ino: 9 }), { kind: 'unchanged' });
  assert.deepEqual(quickCheck(taken(), { size: 150, mtimeMs: 6, ino: 9 }), {
    kind: 'fingerprint',
    prefixBytes: 100,
  });
  assert.deepEqual(
    quickCheck(taken({ ends_with_newline: false }), { size: 150, mtimeMs: 6, ino: 9 }),
    {
      kind: 'fingerprint',
    },
  );
  const fp = (o: object) => ({
    size: 150,
    sha256: 'bbb',
    newlines: 6,
    endsWithNewline: true,
    prefixSha256: 'aaa',
    ...o,
  });
  assert.deepEqual(decideIntake(taken(), fp({}), 'repo/other.jsonl'), {
    kind: 'same_content',
    as: 'repo/other.jsonl',
  });
  assert.deepEqual(decideIntake(taken(), fp({}), undefined), {
    kind: 'appended',
    from: { offset: 100, lineNo: 4 },
  });
  // The start changed too: the whole file again.
  assert.deepEqual(decideIntake(taken(), fp({ prefixSha256: 'ccc' }), undefined), { kind: 'read' });
  assert.deepEqual(decideIntake(taken(), fp({ size: 90 }), undefined), { kind: 'read' });
  assert.deepEqual(decideIntake(undefined, fp({}), undefined), { kind: 'read' });
});

test('fingerprints and reads from an offset agree with the whole file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'f.jsonl');
  const head = '\uFEFF{"a":1}\r\n\n{"b":"é"}\n';
  const tail = '{"c":3}\n{"d":4}';
  await writeFile(path, head + tail);
  const headBytes = Buffer.byteLength(head);
  const whole = await fingerprintFile(path, headBytes + Buffer.byteLength(tail), headBytes);
  const prefix = await fingerprintFile(path, headBytes);
  assert.equal(whole.prefixSha256, prefix.sha256);
  assert.equal(prefix.newlines, 3);
  assert.equal(prefix.endsWithNewline, true);
  assert.equal(whole.endsWithNewline, false);
  const lines = async (o: Parameters<typeof readLineBatches>[1]) => {
    const out: string[] = [];
    for await (const b of readLineBatches(path, { ...o, chunkBytes: 4 }))
      for (const l of b) out.push(`${l.lineNo}:${l.kind === 'text' ? l.text : l.kind}`);
    return out;
  };
  assert.deepEqual(await lines({}), ['1:{"a":1}', '3:{"b":"é"}', '4:{"c":3}', '5:{"d":4}']);
  assert.deepEqual(await lines({ from: { offset: headBytes, lineNo: prefix.newlines } }), [
    '4:{"c":3}',
    '5:{"d":4}',
  ]);
  assert.deepEqual(await lines({ end: headBytes }), ['1:{"a":1}', '3:{"b":"é"}']);
});

const file = (display: string) =>
  ({ display }) as unknown as NonNullable<OnceState['decisions']>[number]['file'];

test('--once ends when nothing can move, with 1 when something could not be finished', () => {
  assert.deepEqual(onceOutcome(onceState()), { ended: true, exitCode: 0, unfinished: [] });
  assert.equal(onceOutcome(onceState({ busy: true })).ended, false);
  assert.equal(onceOutcome(onceState({ inboxWaiting: 1 })).ended, false);
  assert.equal(onceOutcome(onceState({ decisions: undefined })).ended, false);
  const submit = { kind: 'submit', file: file('a.jsonl'), estimatedCostUsd: 0 } as const;
  assert.equal(onceOutcome(onceState({ decisions: [submit] })).ended, false);
  const gaveUp = onceOutcome(
    onceState({ decisions: [submit], submitFailures: new Map([['a.jsonl', 3]]) }),
  );
  assert.deepEqual(gaveUp, {
    ended: true,
    exitCode: 1,
    unfinished: ['a.jsonl: not submitted, 3 failed attempts'],
  });
  const capped = onceOutcome(
    onceState({
      decisions: [
        { kind: 'cost_cap', file: file('b.jsonl'), capUsd: 1, spentUsd: 1, nextUsd: 1 },
        { kind: 'done', file: file('c.jsonl'), batchId: 'batch_1' },
      ],
    }),
  );
  assert.equal(capped.ended && capped.exitCode, 1);
  const gone = jobWith({
    batch_id: 'batch_2',
    download_error: '404 No such file',
    download_error_permanent: true,
  });
  assert.equal(onceOutcome(onceState({ jobs: [gone] })).ended, false, 'a download is retried');
  const lost = onceOutcome(
    onceState({ jobs: [gone], downloadFailures: new Map([['batch_2', 3]]) }),
  );
  assert.equal(lost.ended && lost.exitCode, 1, 'a file that is gone is given up');
  const cut = jobWith({ batch_id: 'batch_3', download_error: 'terminated' });
  const cutState = (n: number) =>
    onceState({ jobs: [cut], downloadFailures: new Map([['batch_3', n]]) });
  assert.equal(onceOutcome(cutState(3)).ended, false, 'a dropped connection resumes, for longer');
  assert.equal(onceOutcome(cutState(30)).ended, true);
  const refused = onceOutcome(onceState({ busy: true, authError: 'Incorrect API key' }));
  assert.equal(refused.ended && refused.exitCode, 1, 'a refused key ends it at once');
});

test('--once gives up by three separate settings: submit rounds, refused and interrupted downloads', () => {
  const submit = { kind: 'submit', file: file('a.jsonl'), estimatedCostUsd: 0 } as const;
  const limits = { submitRounds: 5, downloadRefusals: 2, downloadInterruptions: 4 };
  const failedSubmits = (n: number) =>
    onceOutcome(
      onceState({ ...limits, decisions: [submit], submitFailures: new Map([['a.jsonl', n]]) }),
    ).ended;
  assert.equal(failedSubmits(4), false);
  assert.equal(failedSubmits(5), true);
  const job = (permanent: boolean) =>
    jobWith({
      batch_id: 'batch_9',
      download_error: permanent ? '404 No such file' : 'terminated',
      download_error_permanent: permanent,
    });
  const download = (permanent: boolean, n: number) =>
    onceOutcome(
      onceState({ ...limits, jobs: [job(permanent)], downloadFailures: new Map([['batch_9', n]]) }),
    ).ended;
  assert.equal(download(true, 1), false);
  assert.equal(download(true, 2), true, 'refused: given up after retry.download_refusals');
  assert.equal(download(false, 3), false);
  assert.equal(download(false, 4), true, 'cut: given up after retry.download_interruptions');
});

test('health: alive while the heartbeat is fresh and no step is stuck', () => {
  assert.equal(judgeHealth(beat(), 105_000).ok, true);
  assert.equal(judgeHealth(undefined, 0).ok, false);
  assert.match(
    (judgeHealth(beat(), 200_000) as { reason: string }).reason,
    /no heartbeat for 100 s/,
  );
  assert.equal(judgeHealth(beat({ phase: 'stopping' }), 100_000).ok, false);
  const stuck = judgeHealth(
    beat({ running: { step: 'poll', since: 0 }, beat_at: 2_000_000 }),
    2_000_000,
  );
  assert.match((stuck as { reason: string }).reason, /the poll step has been running for 2000 s/);
  const late = judgeHealth(beat({ next_poll_at: 0, beat_at: 400_000 }), 400_000);
  assert.equal(late.ok, false);
  const needs = judgeHealth(beat({ problems: ['the API refused the key'] }), 100_000);
  assert.match((needs as { summary: string }).summary, /needs a person: the API refused the key/);
  const failing = judgeHealth(
    beat({ last_poll: { ended_at: 99_000, ok: false, duration_ms: 10, failures: 3 } }),
    100_000,
  );
  assert.equal(failing.ok, true, 'the API failing: alive, it polls again');
  assert.match((failing as { summary: string }).summary, /the last poll failed \(3 in a row\)/);
});

test('the step queue runs one step at a time and shares a step asked for twice', async () => {
  const log = await createLogger({ level: 'silent', stream: { write() {} } });
  const ran: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const q = createWorkQueue({
    now: () => 0,
    signal: new AbortController().signal,
    log,
    steps: {
      intake: async () => {
        ran.push('intake');
        await gate;
      },
      submit: async () => {
        ran.push('submit');
        await Promise.resolve();
      },
      poll: () => {
        ran.push('poll');
        return Promise.reject(new Error('poll failed'));
      },
    },
  });
  const a = q.request('intake');
  const b = q.request('submit');
  const c = q.request('submit');
  const d = q.request('poll');
  assert.equal(b, c, 'a step not started yet is shared');
  assert.equal(q.depth, 2);
  release();
  await Promise.all([a, b, d]);
  assert.deepEqual(ran, ['intake', 'submit', 'poll'], 'in order, a failure logged, not thrown');
  const e = q.request('submit');
  await q.drain();
  await e;
  assert.deepEqual(await q.request('poll'), undefined, 'nothing runs after a drain');
  assert.equal(ran.filter((s) => s === 'poll').length, 1);
});
