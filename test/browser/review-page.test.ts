/**
 * The review page in a real browser (Debian's Chromium, headless, through playwright-core),
 * against a daemon running on the emulator: the overview advancing while a batch runs, search
 * finding a slice, its page showing the answer, exclude → compile leaves it out and reports it,
 * resend → a new attempt appears and completes, code and answers holding `<script>` shown as
 * text; and a listener off loopback without a token refused.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { readJobs } from '../../src/jobs/job-store.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { runCli } from '../support/cli.ts';
import {
  daemonTestConfig,
  quickEmulator,
  sentCustomIds,
  startTestDaemon,
  waitFor,
} from '../support/daemon.ts';
import { quietLog, readJsonl } from '../support/dataset.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { functionSlice } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';
import { buildCustomId } from '../../src/domain/custom-id.ts';

const HOSTILE_CODE = 'def f():\n    return "</pre><script>window.__pwned = 1</script>"';
const HOSTILE_NAME = '<img src=x onerror="window.__pwned = 2">';
const HOSTILE_QUESTION = '<script>window.__pwned = 3</script> is this escaped?';

test('the review page: live overview, search, a slice and its answer, exclude, resend, escaping', async (t) => {
  const data = await tempDir(t);
  // Slow enough that the batch is seen running: 150 ms a request.
  const { emulator } = await quickEmulator(t, { schedule: { msPerRequest: 150 } });
  const config = daemonTestConfig({ http: { listen: '127.0.0.1:0' } });
  const { daemon } = await startTestDaemon(t, { dataDir: data, emulator, config });
  const base = daemon.httpUrl!;
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });

  // The overview, open before anything is sent; it must advance without a reload.
  await page.goto(`${base}/`);
  await page.evaluate('window.mark = 42');
  const gen = createSliceGenerator({ seed: 19, repository: 'repo_web', classRatio: 0 });
  const slices = Array.from({ length: 24 }, () => gen.next());
  const hostile = functionSlice({
    id: 'repo_web_hostile',
    repository: 'repo_web',
    name: HOSTILE_NAME,
    code_snippet: HOSTILE_CODE,
  });
  await mkdir(join(data, '2.reviewed_slices', 'repo_web'), { recursive: true });
  await writeFile(
    join(data, '2.reviewed_slices', 'repo_web', 'reviewed.jsonl'),
    [...slices, hostile].map((s) => `${JSON.stringify(s)}\n`).join(''),
  );
  const results = (): Promise<number> =>
    page
      .locator('#totals [data-col="results"]')
      .innerText()
      .then((s) => Number(s.replace(/,/g, '')));
  const seen = new Set<number>();
  let sawBatch = false;
  await waitFor(
    'the overview to show 25 results',
    async () => {
      seen.add(await results());
      if ((await page.locator('#batches progress').count()) > 0) {
        sawBatch = true;
        await screenshot(page, 'overview', true);
      }
      return (await results()) === 25;
    },
    60_000,
  );
  assert.equal(await page.evaluate('window.mark'), 42, 'no reload');
  assert.ok(sawBatch, 'the active batch was shown with its progress');
  assert.ok(
    [...seen].some((n) => n < 25),
    `the results went up while watched: ${[...seen].join(', ')}`,
  );
  assert.match(await page.locator('#spend').innerText(), /\$\d/);

  // Search finds a slice by part of its name; its page shows the answer of its results line.
  const target = slices[7]!;
  await page.goto(`${base}/slices`);
  await page.fill('input[name=q]', target.name.slice(0, 12));
  await Promise.all([page.waitForURL(/\/slices\?q=/), page.press('input[name=q]', 'Enter')]);
  await screenshot(page, 'slices', true);
  const link = page.locator(`#results a[href="/slices/repo_web/${target.id}"]`);
  assert.equal(await link.count(), 1, 'the slice is among the results');
  await Promise.all([page.waitForURL(new RegExp(`/slices/repo_web/${target.id}$`)), link.click()]);
  const jobs = [...(await readJobs(join(data, '4.batch_output'))).values()];
  const lines = (await Promise.all(jobs.map((j) => readJsonl(join(data, j.results_path!))))).flat();
  const answerOf = (customId: string) =>
    JSON.parse(
      lines.find((l) => l.custom_id === customId).response.body.choices[0].message.content,
    );
  const answer = answerOf(`scenario1_${target.id}`);
  const answers = await page.locator('#answers').innerText();
  assert.ok(answers.includes(answer.question), 'the question of the answer is shown');
  assert.ok(answers.includes(answer.reasoning_trace.steps[0].description), 'its first step too');
  assert.ok(
    (await page.locator('#code').innerText()).includes(target.code_snippet.split('\n')[0]!),
  );
  assert.match(await page.locator('#requests').innerText(), /attempt 1/);
  assert.match(await page.locator('#record').innerText(), /"instruction"/);
  await screenshot(page, 'slice');

  // Exclude: journaled, shown, and the next compile leaves it out and says why.
  await page.fill('input[aria-label="reason to exclude"]', 'it invents a business rule');
  await Promise.all([page.waitForURL(/notice=/), page.click('text=Exclude from the dataset')]);
  assert.match(await page.locator('.notice').innerText(), /next compile leaves this answer out/);
  assert.match(
    await page.locator('#decisions').innerText(),
    /exclude attempt 1: it invents a business rule/,
  );
  await waitFor('the standing excluded_by_reviewer', async () => {
    await page.reload();
    return (await page.locator('#fate').innerText()).includes('excluded_by_reviewer');
  });
  const summary = await compileDataset({
    paths: dataPaths(data, '.', { finalOutput: join(data, 'reviewed_out') }),
    config,
    now: () => new Date(),
    log: quietLog,
  });
  const failures = await readJsonl(summary.failures.path);
  assert.deepEqual(
    failures.map((f) => [f.category, f.slice_id]),
    [['excluded_by_reviewer', target.id]],
  );
  assert.match(failures[0].reason, /it invents a business rule$/);
  assert.equal(summary.records, 24);

  // Resend: a new attempt through the daemon's queue, which completes and is shown.
  await page.fill('input[aria-label="reason to resend"]', 'try again with the new prompt');
  await Promise.all([page.waitForURL(/notice=/), page.click('text=Send again')]);
  await waitFor('attempt 2 sent', async () =>
    (await sentCustomIds(join(data, '3.batch_input'))).has(
      buildCustomId('scenario1', target.id, 2),
    ),
  );
  await waitFor(
    'the answer of attempt 2 on the page',
    async () => {
      await page.reload();
      return /attempt 2 · batch/.test(await page.locator('#answers').innerText());
    },
    60_000,
  );
  assert.match(await page.locator('#fate').innerText(), /record attempt 2/);
  await screenshot(page, 'slice-resent');
  // The exclusion was of attempt 1: attempt 2's answer is compiled.
  const again = await compileDataset({
    paths: dataPaths(data, '.', { finalOutput: join(data, 'resent_out') }),
    config,
    now: () => new Date(),
    log: quietLog,
  });
  assert.equal(again.records, 25);

  // <script> in code, name and answer: shown as text, never run.
  let path = '';
  for (const j of jobs) {
    const p = join(data, j.results_path!);
    if ((await readJsonl(p)).some((l) => l.custom_id === 'scenario1_repo_web_hostile')) path = p;
  }
  assert.notEqual(path, '', 'the hostile slice was answered');
  const rewritten = (await readJsonl(path)).map((l) => {
    if (l.custom_id !== 'scenario1_repo_web_hostile') return l;
    const content = JSON.parse(l.response.body.choices[0].message.content);
    l.response.body.choices[0].message.content = JSON.stringify({
      ...content,
      question: HOSTILE_QUESTION,
    });
    return l;
  });
  await writeFile(path, rewritten.map((l) => `${JSON.stringify(l)}\n`).join(''));
  await page.goto(`${base}/slices?q=hostile`);
  assert.ok((await page.locator('#results').innerText()).includes(HOSTILE_NAME));
  await waitFor('the rewritten answer on the hostile slice page', async () => {
    await page.goto(`${base}/slices/repo_web/repo_web_hostile`);
    return (await page.locator('#answers').innerText()).includes(HOSTILE_QUESTION);
  });
  assert.ok((await page.locator('#code').innerText()).includes(HOSTILE_CODE));
  assert.ok((await page.locator('h1').innerText()).includes(HOSTILE_NAME));
  assert.equal(await page.evaluate('window.__pwned'), undefined);
  assert.equal(await page.locator('main script, main img').count(), 0);
});

test('review POSTs from another origin or without the form token are refused', async (t) => {
  const data = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ http: { listen: '127.0.0.1:0' } });
  const { daemon } = await startTestDaemon(t, { dataDir: data, emulator, config });
  await mkdir(join(data, '2.reviewed_slices'), { recursive: true });
  await writeFile(
    join(data, '2.reviewed_slices', 's.jsonl'),
    `${JSON.stringify(functionSlice())}\n`,
  );
  const url = `${daemon.httpUrl}/slices/_/repo_demo_00001_func`;
  const html = await waitFor('the slice page', async () => {
    const res = await fetch(url);
    return res.status === 200 ? res.text() : undefined;
  });
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const post = (headers: Record<string, string>, token = csrf) =>
    fetch(`${url}/exclude`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ csrf: token, attempt: '1', reason: 'r' }).toString(),
    });
  assert.equal((await post({ origin: 'http://evil.example' })).status, 403);
  assert.equal((await post({})).status, 403, 'no Origin, no Sec-Fetch-Site');
  assert.equal((await post({ origin: daemon.httpUrl! }, 'forged')).status, 403);
  assert.equal((await post({ origin: daemon.httpUrl! })).status, 303);
  const journal = await readFile(join(data, '.slicebatch', 'review.jsonl'), 'utf8');
  assert.equal(journal.trim().split('\n').length, 1, 'only the same-origin POST was journaled');
});

test('off loopback the listener needs a token: refused without one, then asked of every request', async (t) => {
  const data = await tempDir(t);
  const refused = await runCli(['ui', '--data-dir', data, '--listen', '0.0.0.0:0'], { cwd: data });
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /"http\.listen" is 0\.0\.0\.0, not loopback: set "http\.token_file"/,
  );
  const { emulator } = await quickEmulator(t);
  await assert.rejects(
    startTestDaemon(t, {
      dataDir: data,
      emulator,
      config: daemonTestConfig({ http: { listen: '0.0.0.0:0' } }),
    }),
    /not loopback: set "http\.token_file"/,
  );
  const token = 'a-test-token-of-32-characters-ok';
  await writeFile(join(data, 'token'), `${token}\n`);
  const { daemon } = await startTestDaemon(t, {
    dataDir: data,
    emulator,
    config: daemonTestConfig({ http: { listen: '0.0.0.0:0', token_file: join(data, 'token') } }),
  });
  const port = new URL(daemon.httpUrl!).port;
  const at = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${at}/`)).status, 401);
  assert.equal((await fetch(`${at}/metrics`)).status, 401);
  assert.equal((await fetch(`${at}/`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal(
    (await fetch(`${at}/`, { headers: { authorization: `Bearer ${token}` } })).status,
    200,
  );
  // A browser: ?token= once sets the cookie and leaves the address bar.
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  await page.goto(`${at}/slices?token=${token}`);
  assert.equal(new URL(page.url()).search, '');
  assert.match(await page.locator('h1').innerText(), /Slices/);
  assert.ok(!(await page.content()).includes(token), 'the token is not in the page');
});
