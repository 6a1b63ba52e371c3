/**
 * Conformance of the emulator to the official OpenAI Files and Batch API: every endpoint driven
 * with the official SDK (and raw fetch where the SDK cannot go), and every JSON answer validated
 * against the official schemas (test/support/openapi-schemas.ts), failures included.
 *
 * Each test's client fetches through a recorder: when the test ends, every answer it received
 * is checked to carry a unique `x-request-id`, to be JSON with `content-type: application/json`
 * (file contents aside), and to be valid against the schema of its route (ErrorResponse for
 * every error status).
 */
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { Batch } from 'openai/resources/batches';
import {
  requestLine,
  testEmulator,
  uploadRequests,
  type TestEmulator,
} from '../support/emulator.ts';
import { assertValid, type SchemaName } from '../support/openapi-schemas.ts';
import { tempDir } from '../support/temp-dir.ts';

const API_KEY = 'sk-test-emulator-key';
const DAY_S = 24 * 3600;
const TIMESTAMP_FIELDS = [
  'in_progress_at',
  'finalizing_at',
  'completed_at',
  'failed_at',
  'expired_at',
  'cancelling_at',
  'cancelled_at',
] as const;
type TimestampField = (typeof TIMESTAMP_FIELDS)[number];

// ---------------------------------------------------------------------------------------------
// The recorder: every answer a test receives, checked when the test ends.

interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestId: string | null;
  readonly contentType: string;
  /** The parsed JSON body (JSON answers), or the reason it could not be parsed. */
  readonly json?: { ok: true; value: unknown } | { ok: false; reason: string };
}

/** The schema of a JSON answer, from its route and status. */
function schemaOfAnswer(a: Answer): SchemaName | 'bytes' {
  if (a.status >= 400) return 'ErrorResponse';
  const route = `${a.method} ${a.path.replace(/^\/v1/, '')}`;
  const routes: [RegExp, SchemaName | 'bytes'][] = [
    [/^POST \/files$/, 'OpenAIFile'],
    [/^GET \/files$/, 'ListFilesResponse'],
    [/^GET \/files\/[^/]+$/, 'OpenAIFile'],
    [/^DELETE \/files\/[^/]+$/, 'DeleteFileResponse'],
    [/^GET \/files\/[^/]+\/content$/, 'bytes'],
    [/^POST \/batches$/, 'Batch'],
    [/^GET \/batches$/, 'ListBatchesResponse'],
    [/^GET \/batches\/[^/]+$/, 'Batch'],
    [/^POST \/batches\/[^/]+\/cancel$/, 'Batch'],
  ];
  const found = routes.find(([re]) => re.test(route));
  assert.ok(found, `a success answer on an unexpected route: ${route} → ${a.status}`);
  return found[1];
}

function checkAnswers(answers: readonly Answer[]): void {
  assert.ok(answers.length > 0, 'the test received no answers');
  const seen = new Map<string, string>();
  for (const a of answers) {
    const where = `${a.method} ${a.path} → ${a.status}`;
    assert.match(a.requestId ?? '(none)', /^req_[0-9A-Za-z]+$/, `${where}: x-request-id`);
    const before = seen.get(a.requestId!);
    assert.equal(before, undefined, `${where}: x-request-id ${a.requestId} also on ${before}`);
    seen.set(a.requestId!, where);
    const schema = schemaOfAnswer(a);
    if (schema === 'bytes') continue;
    assert.match(a.contentType, /^application\/json\b/, `${where}: content-type`);
    assert.ok(
      a.json?.ok,
      `${where}: the body is not JSON (${a.json?.ok === false ? a.json.reason : ''})`,
    );
    assertValid(schema, a.json.value, where);
  }
}

interface ConformanceEnv extends TestEmulator {
  readonly answers: Answer[];
  /** A fetch that records its answers (for raw requests and extra SDK clients). */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** A raw request to a path under /v1, recorded. */
  raw(path: string, init?: RequestInit): Promise<Response>;
  /** Another SDK client on this emulator, recorded. */
  clientWith(options: ConstructorParameters<typeof OpenAI>[0]): OpenAI;
}

async function conformanceEnv(
  t: TestContext,
  options: Parameters<typeof testEmulator>[1] = {},
): Promise<ConformanceEnv> {
  const base = await testEmulator(t, options);
  const answers: Answer[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    // Not `new Request(input, init)`: that would take hold of a streamed upload body.
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    const res = await fetch(input, init);
    const contentType = res.headers.get('content-type') ?? '';
    let json: Answer['json'];
    if (contentType.startsWith('application/json')) {
      const text = await res.clone().text();
      try {
        json = { ok: true, value: JSON.parse(text) };
      } catch (err) {
        json = { ok: false, reason: `${(err as Error).message}: ${text.slice(0, 200)}` };
      }
    }
    answers.push({
      method: method.toUpperCase(),
      path: new URL(url).pathname,
      status: res.status,
      requestId: res.headers.get('x-request-id'),
      contentType,
      ...(json === undefined ? {} : { json }),
    });
    return res;
  };
  t.after(() => checkAnswers(answers));
  const clientWith = (opts: ConstructorParameters<typeof OpenAI>[0]) =>
    new OpenAI({ baseURL: base.emulator.url, maxRetries: 0, ...opts, fetch: recording });
  return {
    ...base,
    client: clientWith({ apiKey: API_KEY }),
    answers,
    fetch: recording,
    raw: (path, init) => recording(`${base.emulator.url}${path}`, init),
    clientWith,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers.

const createBatch = (
  env: ConformanceEnv,
  fileId: string,
  metadata?: Record<string, string>,
): Promise<Batch> =>
  env.client.batches.create({
    input_file_id: fileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata === undefined ? {} : { metadata }),
  });

async function retrieve(env: ConformanceEnv, id: string, context?: string): Promise<Batch> {
  const b = await env.client.batches.retrieve(id);
  assertValid('Batch', b, context ?? `retrieve ${id}`);
  assert.equal(b.id, id);
  return b;
}

/** The timestamps a batch in this state has (in order), all others null; expires_at = +24 h. */
function assertTimestamps(b: Batch, set: readonly TimestampField[], windowS: number = DAY_S): void {
  const where = `batch ${b.id} (${b.status})`;
  assert.ok(Number.isInteger(b.created_at), `${where}: created_at`);
  assert.equal(b.expires_at, b.created_at + windowS, `${where}: expires_at = created_at + window`);
  let previous = b.created_at;
  for (const field of set) {
    const v = b[field];
    assert.ok(Number.isInteger(v), `${where}: ${field} should be set, is ${String(v)}`);
    assert.ok(v! >= previous, `${where}: ${field} ${v} before the previous timestamp ${previous}`);
    previous = v!;
  }
  for (const field of TIMESTAMP_FIELDS) {
    if (!set.includes(field)) assert.equal(b[field], null, `${where}: ${field} should be null`);
  }
}

function assertCounts(b: Batch, expected?: Partial<Batch['request_counts']>): void {
  const c = b.request_counts;
  assert.ok(c, `batch ${b.id}: request_counts`);
  assert.ok(c.completed + c.failed <= c.total, `batch ${b.id}: counts ${JSON.stringify(c)}`);
  if (expected !== undefined) assert.deepEqual({ ...c, ...expected }, c);
}

/** A result file: a valid batch_output OpenAIFile whose lines are valid BatchRequestOutput. */
async function resultLines(env: ConformanceEnv, fileId: string | null | undefined) {
  assert.equal(typeof fileId, 'string', 'a result file id');
  const file = await env.client.files.retrieve(fileId!);
  assertValid('OpenAIFile', file, `result file ${fileId}`);
  assert.equal(file.purpose, 'batch_output');
  const res = await env.client.files.content(fileId!);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.length, file.bytes, `result file ${fileId}: bytes`);
  const text = bytes.toString('utf8');
  assert.ok(text.endsWith('\n'), `result file ${fileId}: ends with a newline`);
  const lines = text
    .slice(0, -1)
    .split('\n')
    .map((l, i) => {
      const value = JSON.parse(l);
      assertValid('BatchRequestOutput', value, `${fileId} line ${i + 1}`);
      assert.match(value.id, /^batch_req_/);
      return value;
    });
  return lines;
}

function assertSuccessLine(line: any): void {
  assert.equal(line.error, null, `${line.custom_id}: error`);
  assert.equal(line.response.status_code, 200, `${line.custom_id}: status_code`);
  assert.equal(typeof line.response.request_id, 'string');
  assert.equal(line.response.body.object, 'chat.completion');
  assert.equal(typeof line.response.body.choices[0].message.content, 'string');
}

function assertUnfinishedLine(line: any, code: 'batch_expired' | 'batch_cancelled'): void {
  assert.equal(line.response, null, `${line.custom_id}: response`);
  assert.equal(line.error.code, code, `${line.custom_id}: error.code`);
  assert.equal(typeof line.error.message, 'string');
}

/** Every input custom_id is in exactly one of the result files. */
function assertCoverEachOnce(ids: readonly string[], ...files: { custom_id: string }[][]): void {
  const all = files.flat().map((l) => l.custom_id);
  assert.deepEqual([...all].sort(), [...ids].sort());
}

/** Expects `promise` to fail with this SDK error class and status, its body a valid ErrorResponse. */
async function expectApiError<E extends InstanceType<typeof OpenAI.APIError>>(
  promise: Promise<unknown>,
  cls: abstract new (...args: any[]) => E,
  status: number,
): Promise<E> {
  const err = await promise.then(
    (value) => assert.fail(`expected ${cls.name}, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.equal(err.status, status, String(err));
  assert.match(err.requestID ?? '(none)', /^req_/, 'x-request-id on an error');
  assertValid('ErrorResponse', { error: err.error }, `${cls.name} ${status}`);
  return err;
}

/** A file upload of `content` named `name` (any purpose). */
async function upload(
  env: ConformanceEnv,
  dir: string,
  name: string,
  content: string | Buffer,
  purpose: OpenAI.FilePurpose = 'batch',
) {
  const path = join(dir, name);
  await writeFile(path, content);
  return env.client.files.create({ file: createReadStream(path), purpose });
}

/** The raw JSON of a page (the SDK keeps it in a protected field). */
const pageBody = (page: object): any => (page as { body: unknown }).body;

function assertCursorPage(
  body: any,
  schema: 'ListFilesResponse' | 'ListBatchesResponse',
  expectedIds: readonly string[],
  hasMore: boolean,
): void {
  assertValid(schema, body, `page ${JSON.stringify(expectedIds)}`);
  assert.equal(body.object, 'list');
  assert.deepEqual(
    body.data.map((x: { id: string }) => x.id),
    expectedIds,
  );
  assert.equal(body.first_id, expectedIds[0] ?? null, 'first_id');
  assert.equal(body.last_id, expectedIds[expectedIds.length - 1] ?? null, 'last_id');
  assert.equal(body.has_more, hasMore, 'has_more');
}

// ---------------------------------------------------------------------------------------------
// Files.

test('files: create, retrieve, content (byte-identical), delete, then 404', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  // Non-ASCII, a CRLF line ending and no final newline: the content must come back unchanged.
  const content = Buffer.from(
    `${requestLine('req_é_0')}\r\n${requestLine('req_日本_1')}\n${requestLine('req_2')}`,
    'utf8',
  );
  // Another file, so that the list after the delete is not empty (see the next-but-one test).
  const kept = await upload(env, dir, 'kept.jsonl', `${requestLine('kept')}\n`);
  const created = await upload(env, dir, 'conformance input.jsonl', content);
  assertValid('OpenAIFile', created, 'files.create');
  assert.match(created.id, /^file-/);
  assert.equal(created.object, 'file');
  assert.equal(created.purpose, 'batch');
  assert.equal(created.filename, 'conformance input.jsonl');
  assert.equal(created.bytes, content.length);
  assert.equal(created.created_at, Math.floor(env.clock.now() / 1000));

  const got = await env.client.files.retrieve(created.id);
  assertValid('OpenAIFile', got, 'files.retrieve');
  assert.deepEqual(got, created);

  // As the docs say: stream the content to disk.
  const res = await env.client.files.content(created.id);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  const downloaded = join(dir, 'downloaded.jsonl');
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(downloaded));
  assert.ok((await readFile(downloaded)).equals(content), 'content is byte-identical');

  const deleted = await env.client.files.delete(created.id);
  assertValid('DeleteFileResponse', deleted, 'files.delete');
  assert.deepEqual({ ...deleted }, { id: created.id, object: 'file', deleted: true });

  await expectApiError(env.client.files.retrieve(created.id), OpenAI.NotFoundError, 404);
  await expectApiError(env.client.files.content(created.id), OpenAI.NotFoundError, 404);
  await expectApiError(env.client.files.delete(created.id), OpenAI.NotFoundError, 404);
  const listed = await env.client.files.list();
  assertValid('ListFilesResponse', pageBody(listed), 'files.list after a delete');
  assert.deepEqual(
    listed.data.map((f) => f.id),
    [kept.id],
    'a deleted file is not listed',
  );
});

test('files: expires_after sets expires_at; without it expires_at is null or a time', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  await writeFile(join(dir, 'in.jsonl'), `${requestLine('a')}\n`);
  const f = await env.client.files.create({
    file: createReadStream(join(dir, 'in.jsonl')),
    purpose: 'batch',
    expires_after: { anchor: 'created_at', seconds: 3600 },
  });
  assertValid('OpenAIFile', f, 'files.create with expires_after');
  assert.equal(f.expires_at, f.created_at + 3600);
  const plain = await upload(env, dir, 'plain.jsonl', `${requestLine('b')}\n`);
  assertValid('OpenAIFile', plain, 'files.create');
  assert.ok(plain.expires_at === null || Number.isInteger(plain.expires_at));
});

test('files.list: purpose filter, limit, order asc/desc and the after cursor, page by page', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const batchFiles: string[] = [];
  const otherFiles: string[] = [];
  for (let i = 0; i < 5; i++) {
    batchFiles.push((await upload(env, dir, `in_${i}.jsonl`, `${requestLine(`r${i}`)}\n`)).id);
    await env.advance(1000); // distinct created_at: the order is the upload order
    if (i % 2 === 0) {
      otherFiles.push((await upload(env, dir, `notes_${i}.txt`, 'notes', 'user_data')).id);
      await env.advance(1000);
    }
  }

  // Ascending, two per page, followed with getNextPage().
  let page = await env.client.files.list({ purpose: 'batch', limit: 2, order: 'asc' });
  assertCursorPage(pageBody(page), 'ListFilesResponse', batchFiles.slice(0, 2), true);
  assert.ok(page.hasNextPage());
  page = await page.getNextPage();
  assertCursorPage(pageBody(page), 'ListFilesResponse', batchFiles.slice(2, 4), true);
  page = await page.getNextPage();
  assertCursorPage(pageBody(page), 'ListFilesResponse', batchFiles.slice(4), false);
  assert.equal(page.hasNextPage(), false);

  // The after cursor, given explicitly.
  const after = await env.client.files.list({
    purpose: 'batch',
    limit: 2,
    order: 'asc',
    after: batchFiles[1]!,
  });
  assertCursorPage(pageBody(after), 'ListFilesResponse', batchFiles.slice(2, 4), true);

  // Descending, every page through iterPages() and every item through for await.
  const first = await env.client.files.list({ purpose: 'batch', limit: 2, order: 'desc' });
  const desc = [...batchFiles].reverse();
  const pages: string[][] = [];
  for await (const p of first.iterPages()) {
    const body = pageBody(p);
    const expected = desc.slice(pages.length * 2, pages.length * 2 + 2);
    assertCursorPage(body, 'ListFilesResponse', expected, pages.length < 2);
    pages.push(body.data.map((f: { id: string }) => f.id));
  }
  assert.equal(pages.length, 3);
  const items: string[] = [];
  for await (const f of env.client.files.list({ purpose: 'batch', limit: 2, order: 'desc' })) {
    assert.equal(f.purpose, 'batch');
    items.push(f.id);
  }
  assert.deepEqual(items, desc, 'for await yields every file once, newest first');

  // Another purpose; no purpose: everything, newest first by default.
  const other = await env.client.files.list({ purpose: 'user_data' });
  assertCursorPage(pageBody(other), 'ListFilesResponse', [...otherFiles].reverse(), false);
  const all = await env.client.files.list();
  assertValid('ListFilesResponse', pageBody(all), 'files.list()');
  const createdAt = all.data.map((f) => f.created_at);
  assert.deepEqual(
    createdAt,
    [...createdAt].sort((a, b) => b - a),
  );
  assert.deepEqual(all.data.map((f) => f.id).sort(), [...batchFiles, ...otherFiles].sort());
});

test('files.list with no file of the purpose: a valid ListFilesResponse (first_id/last_id are required strings)', async (t) => {
  const env = await conformanceEnv(t);
  const page = await env.client.files.list({ purpose: 'fine-tune' });
  assert.deepEqual(page.data, []);
  assert.equal(pageBody(page).has_more, false);
  assertValid('ListFilesResponse', pageBody(page), 'empty files.list');
});

// ---------------------------------------------------------------------------------------------
// Batches: the lifecycle.

test('a batch through its lifecycle: every status a valid Batch with the timestamps the API sets', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const ids = Array.from({ length: 4 }, (_, i) => `req_${i}`);
  const file = await uploadRequests(env, dir, ids.length);
  const inputText = await (await env.client.files.content(file.id)).text();
  for (const [i, l] of inputText.trim().split('\n').entries())
    assertValid('BatchRequestInput', JSON.parse(l), `input line ${i + 1}`);

  const metadata = { job: 'conformance', owner: 'lead' };
  const created = await createBatch(env, file.id, metadata);
  assertValid('Batch', created, 'batches.create');
  assert.match(created.id, /^batch_/);
  assert.equal(created.object, 'batch');
  assert.equal(created.status, 'validating');
  assert.equal(created.endpoint, '/v1/chat/completions');
  assert.equal(created.input_file_id, file.id);
  assert.equal(created.completion_window, '24h');
  assert.deepEqual(created.metadata, metadata);
  assert.equal(created.created_at, Math.floor(env.clock.now() / 1000));
  assertTimestamps(created, []);
  assert.equal(created.output_file_id, null);
  assert.equal(created.error_file_id, null);
  assert.equal(created.errors, null);
  assertCounts(created, { completed: 0, failed: 0 });

  const seen: string[] = [];
  const expectations: Record<string, readonly TimestampField[]> = {
    validating: [],
    in_progress: ['in_progress_at'],
    finalizing: ['in_progress_at', 'finalizing_at'],
    completed: ['in_progress_at', 'finalizing_at', 'completed_at'],
  };
  let previousCompleted = 0;
  let b = created;
  // 1000 ms validating, 100 ms per request, 1000 ms finalizing: steps of 200 ms see every status.
  for (let step = 0; step < 30 && b.status !== 'completed'; step++) {
    b = await retrieve(env, created.id, `step ${step}`);
    if (seen[seen.length - 1] !== b.status) seen.push(b.status);
    const expected = expectations[b.status];
    assert.ok(expected, `unexpected status ${b.status}`);
    assertTimestamps(b, expected);
    assert.equal(b.created_at, created.created_at);
    assert.deepEqual(b.metadata, metadata);
    assertCounts(b);
    assert.ok(b.request_counts!.completed >= previousCompleted, 'completed never goes back');
    previousCompleted = b.request_counts!.completed;
    if (b.status !== 'validating') {
      assert.equal(b.request_counts!.total, ids.length);
      assert.equal(b.model, 'gpt-4o-mini-2024-07-18', 'the snapshot of the alias requested');
    }
    if (b.status === 'finalizing') assertCounts(b, { completed: ids.length, failed: 0 });
    if (b.status !== 'completed') {
      assert.equal(b.output_file_id, null, `${b.status}: no output file yet`);
      await env.advance(200);
    }
  }
  assert.deepEqual(seen, ['validating', 'in_progress', 'finalizing', 'completed']);

  assertCounts(b, { total: ids.length, completed: ids.length, failed: 0 });
  assert.equal(b.error_file_id, null, 'no error file when nothing failed');
  assert.equal(b.errors, null);
  const out = await resultLines(env, b.output_file_id);
  out.forEach(assertSuccessLine);
  assert.deepEqual(out.map((l) => l.custom_id).sort(), ids);
  for (const l of out) assert.equal(l.response.body.model, 'gpt-4o-mini-2024-07-18');

  assert.ok(b.usage, 'usage at completion');
  const sum = (f: (u: any) => number) => out.reduce((n, l) => n + f(l.response.body.usage), 0);
  assert.equal(
    b.usage.input_tokens,
    sum((u) => u.prompt_tokens),
  );
  assert.equal(
    b.usage.output_tokens,
    sum((u) => u.completion_tokens),
  );
  assert.equal(b.usage.total_tokens, b.usage.input_tokens + b.usage.output_tokens);
  assert.ok(b.usage.input_tokens > 0);

  // A completed batch stays as it is.
  await env.advance(60_000);
  assert.deepEqual(await retrieve(env, b.id), b);
});

test('batches.list: cursor pages of 3 over 7 batches, newest first, every batch once', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const empty = await env.client.batches.list();
  assertCursorPage(pageBody(empty), 'ListBatchesResponse', [], false);

  const file = await uploadRequests(env, dir, 2);
  const created: string[] = [];
  for (let i = 0; i < 7; i++) {
    created.push((await createBatch(env, file.id, { index: String(i) })).id);
    await env.advance(1000); // distinct created_at
  }
  const newestFirst = [...created].reverse();

  const page1 = await env.client.batches.list({ limit: 3 });
  assertCursorPage(pageBody(page1), 'ListBatchesResponse', newestFirst.slice(0, 3), true);
  assert.ok(page1.hasNextPage());
  const page2 = await page1.getNextPage();
  assertCursorPage(pageBody(page2), 'ListBatchesResponse', newestFirst.slice(3, 6), true);
  const page3 = await page2.getNextPage();
  assertCursorPage(pageBody(page3), 'ListBatchesResponse', newestFirst.slice(6), false);
  assert.equal(page3.hasNextPage(), false);

  const explicit = await env.client.batches.list({ limit: 3, after: pageBody(page1).last_id });
  assertCursorPage(pageBody(explicit), 'ListBatchesResponse', newestFirst.slice(3, 6), true);

  const listed: Batch[] = [];
  for await (const b of env.client.batches.list({ limit: 3 })) listed.push(b);
  assert.deepEqual(
    listed.map((b) => b.id),
    newestFirst,
    'for await yields every batch exactly once, newest first',
  );
  for (let i = 1; i < listed.length; i++)
    assert.ok(listed[i - 1]!.created_at >= listed[i]!.created_at, 'newest first');
  for (const b of listed) assert.deepEqual(b.metadata, { index: String(created.indexOf(b.id)) });

  const exact = await env.client.batches.list({ limit: 7 });
  assertCursorPage(pageBody(exact), 'ListBatchesResponse', newestFirst, false);
  const defaults = await env.client.batches.list();
  assertCursorPage(pageBody(defaults), 'ListBatchesResponse', newestFirst, false);
});

// ---------------------------------------------------------------------------------------------
// Batches: cancel.

test('batches.cancel on an in_progress batch: cancelling, then cancelled with partial results', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const ids = Array.from({ length: 10 }, (_, i) => `req_${i}`);
  const file = await uploadRequests(env, dir, ids.length);
  const batch = await createBatch(env, file.id);
  await env.advance(1000);
  await env.advance(350); // 3 requests done
  const running = await retrieve(env, batch.id);
  assert.equal(running.status, 'in_progress');
  assertCounts(running, { total: 10, completed: 3, failed: 0 });

  const cancelling = await env.client.batches.cancel(batch.id);
  assertValid('Batch', cancelling, 'batches.cancel');
  assert.equal(cancelling.status, 'cancelling');
  assertTimestamps(cancelling, ['in_progress_at', 'cancelling_at']);
  assert.equal(cancelling.cancelling_at, Math.floor(env.clock.now() / 1000));
  assert.equal((await retrieve(env, batch.id)).status, 'cancelling');

  await env.advance(1000); // cancelling_ms
  const cancelled = await retrieve(env, batch.id);
  assert.equal(cancelled.status, 'cancelled');
  assertTimestamps(cancelled, ['in_progress_at', 'cancelling_at', 'cancelled_at']);
  assertCounts(cancelled, { total: 10 });

  const out = await resultLines(env, cancelled.output_file_id);
  const err = await resultLines(env, cancelled.error_file_id);
  assert.equal(out.length, 3);
  out.forEach(assertSuccessLine);
  assert.equal(cancelled.request_counts!.completed, out.length);
  assert.equal(err.length, 7);
  for (const l of err) assertUnfinishedLine(l, 'batch_cancelled');
  assertCoverEachOnce(ids, out, err);

  // Cancelling again, or cancelling any finished batch, is refused.
  const again = await expectApiError(
    env.client.batches.cancel(batch.id),
    OpenAI.BadRequestError,
    400,
  );
  assert.equal(again.type, 'invalid_request_error');
});

test('batches.cancel on a validating batch: cancelled with no result files', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 3);
  const batch = await createBatch(env, file.id);
  const cancelling = await env.client.batches.cancel(batch.id);
  assertValid('Batch', cancelling, 'batches.cancel');
  assert.equal(cancelling.status, 'cancelling');
  assertTimestamps(cancelling, ['cancelling_at']);
  await env.advance(1000);
  const cancelled = await retrieve(env, batch.id);
  assert.equal(cancelled.status, 'cancelled');
  assertTimestamps(cancelled, ['cancelling_at', 'cancelled_at']);
  assert.equal(cancelled.output_file_id, null);
  assert.equal(cancelled.error_file_id, null);
  assertCounts(cancelled, { completed: 0, failed: 0 });
});

test('cancelling a completed batch: 400 BadRequestError with a valid ErrorResponse', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 2);
  const batch = await createBatch(env, file.id);
  await env.advance(10_000);
  const done = await retrieve(env, batch.id);
  assert.equal(done.status, 'completed');
  const err = await expectApiError(
    env.client.batches.cancel(batch.id),
    OpenAI.BadRequestError,
    400,
  );
  assert.equal(err.type, 'invalid_request_error');
  assert.equal((await retrieve(env, batch.id)).status, 'completed', 'still completed');
  await expectApiError(env.client.batches.cancel('batch_doesnotexist'), OpenAI.NotFoundError, 404);
});

// ---------------------------------------------------------------------------------------------
// Batches: failed validation.

const otherModel = (id: string) =>
  requestLine(id, {
    body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: `Explain ${id}.` }] },
  });

interface ValidationCase {
  readonly name: string;
  readonly lines: readonly string[];
  readonly code: string;
  readonly line: number | null;
  readonly options?: Parameters<typeof testEmulator>[1];
}

const VALIDATION_CASES: readonly ValidationCase[] = [
  {
    name: 'an invalid JSON line',
    lines: [requestLine('a'), '{"custom_id": "b", "method": "POST",', requestLine('c')],
    code: 'invalid_json_line',
    line: 2,
  },
  {
    name: 'a duplicate custom_id',
    lines: [requestLine('a'), requestLine('b'), requestLine('a')],
    code: 'duplicate_custom_id',
    line: 3,
  },
  {
    name: 'a url that is not the endpoint',
    lines: [requestLine('a'), requestLine('b', { url: '/v1/embeddings' })],
    code: 'url_mismatch',
    line: 2,
  },
  {
    name: 'mixed models',
    lines: [requestLine('a'), requestLine('b'), otherModel('c')],
    code: 'mismatched_model',
    line: 3,
  },
  { name: 'an empty file', lines: [], code: 'empty_file', line: null },
  {
    name: 'more requests than a batch may have',
    lines: [requestLine('a'), requestLine('b'), requestLine('c')],
    code: 'too_many_tasks',
    line: null,
    options: { maxRequestsPerBatch: 2 },
  },
  {
    name: 'over the enqueued token limit',
    lines: [requestLine('a'), requestLine('b')],
    code: 'token_limit_exceeded',
    line: null,
    options: { tokenLimits: { 'gpt-4o-mini': 10 } },
  },
];

for (const c of VALIDATION_CASES) {
  test(`failed validation, ${c.name}: a failed Batch whose errors.data says ${c.code}`, async (t) => {
    const env = await conformanceEnv(t, c.options);
    const dir = await tempDir(t);
    const file = await uploadRequests(env, dir, 0, { lines: [...c.lines], name: 'bad.jsonl' });
    assertValid('OpenAIFile', file, 'a file of bad lines is accepted at upload');
    const batch = await createBatch(env, file.id);
    assert.equal(batch.status, 'validating');
    await env.advance(1000);
    const b = await retrieve(env, batch.id);
    assert.equal(b.status, 'failed');
    assertTimestamps(b, ['failed_at']);
    assert.equal(b.output_file_id, null);
    assert.equal(b.error_file_id, null);
    assertCounts(b, { completed: 0, failed: 0 });
    assert.ok(b.errors, 'errors is set');
    assert.equal(b.errors.object, 'list');
    assert.equal(b.errors.data?.length, 1, JSON.stringify(b.errors));
    const e = b.errors.data[0]!;
    assert.deepEqual(Object.keys(e).sort(), ['code', 'line', 'message', 'param']);
    assert.equal(e.code, c.code);
    assert.equal(e.line, c.line);
    assert.equal(typeof e.message, 'string');
    assert.ok(e.param === null || typeof e.param === 'string');
    await env.advance(60_000);
    assert.equal((await retrieve(env, batch.id)).status, 'failed', 'failed is final');
  });
}

// ---------------------------------------------------------------------------------------------
// Batches: expired.

test('expired part-way (fault after 2 requests): expired_at set, batch_expired lines for the rest', async (t) => {
  const env = await conformanceEnv(t, {
    faults: { batches: [{ kind: 'expire', after_requests: 2 }] },
  });
  const dir = await tempDir(t);
  const ids = Array.from({ length: 5 }, (_, i) => `req_${i}`);
  const file = await uploadRequests(env, dir, ids.length);
  const batch = await createBatch(env, file.id);
  await env.advance(1000);
  assert.equal((await retrieve(env, batch.id)).status, 'in_progress');
  await env.advance(10_000);
  const b = await retrieve(env, batch.id);
  assert.equal(b.status, 'expired');
  assertTimestamps(b, ['in_progress_at', 'expired_at']);
  assertCounts(b, { total: 5, completed: 2 });
  const out = await resultLines(env, b.output_file_id);
  const err = await resultLines(env, b.error_file_id);
  assert.equal(out.length, 2);
  out.forEach(assertSuccessLine);
  assert.equal(err.length, 3);
  for (const l of err) assertUnfinishedLine(l, 'batch_expired');
  assertCoverEachOnce(ids, out, err);
});

test('expired at the end of a short completion window: expired_at at or after expires_at', async (t) => {
  const env = await conformanceEnv(t, { schedule: { completionWindowMs: 1500 } });
  const dir = await tempDir(t);
  const ids = Array.from({ length: 10 }, (_, i) => `req_${i}`);
  const file = await uploadRequests(env, dir, ids.length);
  const batch = await createBatch(env, file.id);
  await env.advance(1000);
  await env.advance(10_000);
  const b = await retrieve(env, batch.id);
  assert.equal(b.status, 'expired');
  assertTimestamps(b, ['in_progress_at', 'expired_at'], 1);
  assert.ok(b.expired_at! >= b.expires_at!, 'a batch expires when its window ends');
  const out = await resultLines(env, b.output_file_id);
  const err = await resultLines(env, b.error_file_id);
  assert.equal(out.length, 5, '500 ms in progress at 100 ms per request');
  out.forEach(assertSuccessLine);
  for (const l of err) assertUnfinishedLine(l, 'batch_expired');
  assertCoverEachOnce(ids, out, err);
  assertCounts(b, { total: 10, completed: 5 });
});

// ---------------------------------------------------------------------------------------------
// Per-request errors.

test('per-request errors: 4xx lines and error-object lines in the error file, valid BatchRequestOutput', async (t) => {
  const env = await conformanceEnv(t, {
    faults: {
      requests: [
        { kind: 'error_4xx', rate: 1, custom_id: '^bad_' },
        { kind: 'error_object', code: 'server_error', custom_id: '^boom_' },
      ],
    },
  });
  const dir = await tempDir(t);
  const ids = ['ok_0', 'bad_1', 'ok_2', 'boom_3', 'bad_4'];
  const file = await uploadRequests(env, dir, 0, { lines: ids.map((id) => requestLine(id)) });
  const batch = await createBatch(env, file.id);
  await env.advance(10_000);
  const b = await retrieve(env, batch.id);
  assert.equal(b.status, 'completed', 'failed requests do not fail the batch');
  assertTimestamps(b, ['in_progress_at', 'finalizing_at', 'completed_at']);
  assertCounts(b, { total: 5, completed: 2, failed: 3 });
  const out = await resultLines(env, b.output_file_id);
  const err = await resultLines(env, b.error_file_id);
  assert.deepEqual(out.map((l) => l.custom_id).sort(), ['ok_0', 'ok_2']);
  out.forEach(assertSuccessLine);
  assert.deepEqual(err.map((l) => l.custom_id).sort(), ['bad_1', 'bad_4', 'boom_3']);
  for (const l of err) {
    if (l.custom_id.startsWith('bad_')) {
      assert.ok(l.response.status_code >= 400 && l.response.status_code < 500, l.custom_id);
      assert.equal(typeof l.response.request_id, 'string');
      assertValid('ErrorResponse', l.response.body, `${l.custom_id}: response.body`);
      assert.equal(l.error, null);
    } else {
      assert.equal(l.response, null);
      assert.deepEqual(Object.keys(l.error).sort(), ['code', 'message']);
      assert.equal(l.error.code, 'server_error');
      assert.equal(typeof l.error.message, 'string');
    }
  }
  assertCoverEachOnce(ids, out, err);
});

test('a /v1/responses batch: valid Batch and BatchRequestOutput lines holding Response objects', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const line = (id: string) =>
    JSON.stringify({
      custom_id: id,
      method: 'POST',
      url: '/v1/responses',
      body: {
        model: 'gpt-5-mini',
        instructions: 'You explain code.',
        input: `Explain ${id}.`,
        max_output_tokens: 500,
        reasoning: { effort: 'low', summary: 'auto' },
        text: { format: { type: 'json_object' } },
      },
    });
  const file = await uploadRequests(env, dir, 0, { lines: ['r_0', 'r_1'].map(line) });
  const batch = await env.client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/responses',
    completion_window: '24h',
    output_expires_after: { anchor: 'created_at', seconds: 7200 },
  });
  assertValid('Batch', batch, 'batches.create /v1/responses');
  await env.advance(10_000);
  const b = await retrieve(env, batch.id);
  assert.equal(b.status, 'completed');
  assert.equal(b.endpoint, '/v1/responses');
  assert.equal(b.model, 'gpt-5-mini-2025-08-07');
  assert.ok(b.usage!.output_tokens_details.reasoning_tokens > 0);
  const out = await resultLines(env, b.output_file_id);
  for (const l of out) {
    const body = l.response.body;
    assert.equal(body.object, 'response');
    assert.equal(body.status, 'completed');
    const message = body.output.find((o: any) => o.type === 'message');
    assert.equal(message.content[0].type, 'output_text');
    assert.doesNotThrow(() => JSON.parse(message.content[0].text));
    const reasoning = body.output.find((o: any) => o.type === 'reasoning');
    assert.equal(reasoning.summary[0].type, 'summary_text');
    assert.ok(body.usage.output_tokens_details.reasoning_tokens > 0);
  }
  const output = await env.client.files.retrieve(b.output_file_id!);
  assert.equal(output.expires_at, output.created_at + 7200, 'output_expires_after');
  await env.advance(7200_000);
  await expectApiError(env.client.files.retrieve(output.id), OpenAI.NotFoundError, 404);
  await expectApiError(env.client.files.content(output.id), OpenAI.NotFoundError, 404);
});

// ---------------------------------------------------------------------------------------------
// Errors over HTTP.

test('a missing or empty API key: 401, AuthenticationError, valid ErrorResponse', async (t) => {
  const env = await conformanceEnv(t);
  for (const headers of [{}, { Authorization: 'Bearer ' }, { Authorization: 'Basic abc' }]) {
    const res = await env.raw('/batches', { headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    assertValid('ErrorResponse', await res.json(), `401 for ${JSON.stringify(headers)}`);
  }
  // The SDK with an empty key: refused before anything is sent (SDK 7), or a 401.
  let emptyKey: OpenAI | undefined;
  try {
    emptyKey = env.clientWith({ apiKey: '' });
  } catch (err) {
    assert.ok(err instanceof OpenAI.OpenAIError, String(err));
    assert.match(err.message, /credentials|api.?key/i);
  }
  if (emptyKey !== undefined)
    await expectApiError(emptyKey.batches.list(), OpenAI.AuthenticationError, 401);
  // An SDK client told to send no Authorization header at all.
  const keyless = env.clientWith({ apiKey: 'unused', defaultHeaders: { Authorization: null } });
  const err = await expectApiError(keyless.batches.list(), OpenAI.AuthenticationError, 401);
  assert.equal(err.type, 'invalid_request_error');
  await expectApiError(keyless.files.retrieve('file-x'), OpenAI.AuthenticationError, 401);
});

test('a wrong API key: 401 invalid_api_key; the right one is accepted', async (t) => {
  const env = await conformanceEnv(t, { apiKeys: ['sk-the-right-key'] });
  const err = await expectApiError(env.client.batches.list(), OpenAI.AuthenticationError, 401);
  assert.equal(err.code, 'invalid_api_key');
  const right = env.clientWith({ apiKey: 'sk-the-right-key' });
  assertValid('ListBatchesResponse', pageBody(await right.batches.list()), 'with the right key');
});

test('unknown ids and routes: 404 NotFoundError with a valid ErrorResponse', async (t) => {
  const env = await conformanceEnv(t);
  const c = env.client;
  await expectApiError(c.batches.retrieve('batch_doesnotexist'), OpenAI.NotFoundError, 404);
  await expectApiError(c.batches.cancel('batch_doesnotexist'), OpenAI.NotFoundError, 404);
  await expectApiError(c.files.retrieve('file-doesnotexist'), OpenAI.NotFoundError, 404);
  await expectApiError(c.files.content('file-doesnotexist'), OpenAI.NotFoundError, 404);
  await expectApiError(c.files.delete('file-doesnotexist'), OpenAI.NotFoundError, 404);
  await expectApiError(c.get('/not-an-endpoint'), OpenAI.NotFoundError, 404);
  const res = await env.raw('/batches/batch_x/not-a-thing', {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}` },
  });
  assert.equal(res.status, 404);
  assertValid('ErrorResponse', await res.json(), 'unknown route');
  // A batch on a file that does not exist: refused as a client error.
  const missing = await c.batches
    .create({
      input_file_id: 'file-doesnotexist',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    })
    .catch((e: unknown) => e);
  assert.ok(missing instanceof OpenAI.APIError && [400, 404].includes(missing.status));
  assertValid('ErrorResponse', { error: missing.error }, 'batch on a missing file');
});

test('bad parameters: 400 BadRequestError with a valid ErrorResponse naming the param', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 2);
  const c = env.client;
  const base = {
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  } as const;
  const bad = async (promise: Promise<unknown>, param: string | null) => {
    const err = await expectApiError(promise, OpenAI.BadRequestError, 400);
    assert.equal(err.type, 'invalid_request_error');
    if (param !== null) assert.equal(err.param, param);
  };

  await bad(c.batches.create({ ...base, completion_window: '48h' as '24h' }), 'completion_window');
  await bad(
    c.batches.create({ ...base, endpoint: '/v1/not-an-endpoint' as '/v1/chat/completions' }),
    'endpoint',
  );
  const keys = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  await bad(c.batches.create({ ...base, metadata: keys(17) }), 'metadata');
  await bad(c.batches.create({ ...base, metadata: { ['k'.repeat(65)]: 'v' } }), 'metadata');
  await bad(c.batches.create({ ...base, metadata: { k: 'v'.repeat(513) } }), 'metadata');
  const sixteen = await c.batches.create({ ...base, metadata: keys(16) });
  assertValid('Batch', sixteen, '16 metadata keys are allowed');
  await bad(
    c.batches.create({ ...base, input_file_id: undefined as unknown as string }),
    'input_file_id',
  );
  const notes = await upload(env, dir, 'notes.jsonl', `${requestLine('a')}\n`, 'user_data');
  assertValid('OpenAIFile', notes, 'a user_data file');
  await bad(c.batches.create({ ...base, input_file_id: notes.id }), 'input_file_id');

  await bad(c.batches.list({ limit: 101 }), 'limit');
  await bad(c.batches.list({ limit: 0 }), 'limit');
  await bad(c.files.list({ order: 'sideways' as 'asc' }), 'order');
  await bad(upload(env, dir, 'input.txt', `${requestLine('a')}\n`), 'file');
  await bad(upload(env, dir, 'x.jsonl', 'x', 'bogus' as 'batch'), 'purpose');
  const res = await env.raw('/batches', {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: '{not json',
  });
  assert.equal(res.status, 400, 'a body that is not JSON');
  assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  assertValid('ErrorResponse', await res.json(), 'a body that is not JSON');
});

test('an injected 429 with retry-after: RateLimitError, then the same call succeeds', async (t) => {
  const env = await conformanceEnv(t, {
    faults: {
      http: [
        {
          route: 'GET /v1/batches/*',
          kind: 'status',
          status: 429,
          retry_after_s: 3,
          nth: [1],
        },
      ],
    },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 1);
  const batch = await createBatch(env, file.id);
  const err = await expectApiError(
    env.client.batches.retrieve(batch.id),
    OpenAI.RateLimitError,
    429,
  );
  assert.equal(err.headers?.get('retry-after'), '3');
  assert.equal(err.code, 'rate_limit_exceeded');
  const b = await retrieve(env, batch.id, 'after the 429');
  assert.equal(b.status, 'validating');
  assertValid('ListBatchesResponse', pageBody(await env.client.batches.list()), 'list unaffected');
});

test('injected 500 and 503: InternalServerError with a valid ErrorResponse', async (t) => {
  const env = await conformanceEnv(t, {
    faults: {
      http: [
        { route: 'GET /v1/batches/*', kind: 'status', status: 500, nth: [1] },
        { route: 'GET /v1/files/*', kind: 'status', status: 503, nth: [1] },
      ],
    },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 1);
  const batch = await createBatch(env, file.id);
  const e500 = await expectApiError(
    env.client.batches.retrieve(batch.id),
    OpenAI.InternalServerError,
    500,
  );
  assert.equal(e500.type, 'server_error');
  const e503 = await expectApiError(
    env.client.files.retrieve(file.id),
    OpenAI.InternalServerError,
    503,
  );
  assert.equal(e503.type, 'server_error');
  await retrieve(env, batch.id, 'after the 500');
  assertValid('OpenAIFile', await env.client.files.retrieve(file.id), 'after the 503');
});

test('x-request-id on every answer: successes, file contents and errors, each distinct', async (t) => {
  const env = await conformanceEnv(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 1);
  const batch = await createBatch(env, file.id);
  const { data, response, request_id } = await env.client.batches.retrieve(batch.id).withResponse();
  assertValid('Batch', data, 'withResponse');
  assert.match(request_id ?? '', /^req_/);
  assert.equal(response.headers.get('x-request-id'), request_id);
  const content = await env.client.files.content(file.id);
  assert.match(content.headers.get('x-request-id') ?? '', /^req_/);
  await content.arrayBuffer();
  const err = await expectApiError(
    env.client.batches.retrieve('batch_nope'),
    OpenAI.NotFoundError,
    404,
  );
  const ids = [request_id, content.headers.get('x-request-id'), err.requestID];
  assert.equal(new Set(ids).size, ids.length, `distinct: ${ids.join(', ')}`);
  assert.ok(env.answers.length >= 5, 'the recorder saw every answer');
});
