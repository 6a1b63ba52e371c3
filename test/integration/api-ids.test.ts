import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { jobPath, readJobs } from '../../src/jobs/job-store.ts';
import { createLogger } from '../../src/log/logger.ts';
import { classifyApiError } from '../../src/openai/api-failure.ts';
import { createOpenAIBatchApi } from '../../src/openai/batch-api.ts';
import { resultPath } from '../../src/poll/result-download.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { openSubmitter } from '../../src/submit/submitter.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { testEmulator } from '../support/emulator.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = await createLogger({ level: 'silent', stream: { write() {} } });
/**
 * A proxy in front of `target` that appends `suffix` to the ids of the objects of kind
 * `object` ('batch', 'file') in its JSON answers.
 */
async function idRewritingProxy(
  t: TestContext,
  target: string,
  object: string,
  suffix: string,
): Promise<string> {
  const upstream = new URL(target);
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    const mine = (v as { object?: unknown }).object === object;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        mine && k === 'id' && typeof x === 'string' ? x + suffix : rewrite(x),
      ]),
    );
  };
  const server = createServer((req, res) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks);
          if (/json/.test(String(answer.headers['content-type']))) {
            body = Buffer.from(JSON.stringify(rewrite(JSON.parse(body.toString('utf8')))));
          }
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}${upstream.pathname}`;
}

async function namesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

test('ids from the API that could leave their folder are a failed call; nothing is written for them', async (t) => {
  const env = await testEmulator(t);
  const root = await tempDir(t);
  const data = join(root, 'data');
  const [input] = await writeBatchInputs(data, 1, 3);
  const proxy = await idRewritingProxy(t, env.emulator.url, 'batch', '/../../../PWNED');
  const api = createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: proxy, maxRetries: 0 });
  const submitter = await openSubmitter({
    api,
    stateDir: join(data, '.slicebatch'),
    batchOutputDir: join(data, '4.batch_output'),
    config: parseConfig({ submit: { retry_base_ms: 5, requeue_base_ms: 10 } }, 'test'),
    clock: env.clock,
    log: quiet,
  });
  t.after(() => submitter.close());
  const round = await submitter.submitRound(
    await listBatchInputFiles(join(data, '3.batch_input'), data),
  );
  assert.equal(round.submitted.length, 0);
  assert.equal(round.failed.length, 1);
  assert.match(round.failed[0]!.error, /batch id .*PWNED.* not a plain name/s);
  assert.deepEqual(
    (await namesUnder(root)).filter((n) => /PWNED/.test(n)),
    [],
    'nothing named after the id',
  );

  // Every answer carrying an id is checked, and the failure is a permanent API failure.
  const filesProxy = await idRewritingProxy(t, env.emulator.url, 'file', '/..');
  const files = createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: filesProxy, maxRetries: 0 });
  const [batch] = await env.client.batches.list().then((p) => p.data);
  assert.ok(batch !== undefined, 'the batch was created (the proxy only rewrote its id)');
  for (const call of [
    () => api.retrieveBatch(batch.id),
    async () => {
      for await (const b of api.listBatches()) void b;
    },
    () => files.uploadFile(input!, 'x.jsonl'),
    async () => {
      for await (const f of files.listFiles()) void f; // the file just uploaded
    },
  ]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.equal(classifyApiError(err)?.kind, 'permanent', String(err));
      return true;
    });
  }
});

test('the paths named after ids refuse an id that is not a plain name', async (t) => {
  for (const bad of ['../x', 'a/b', 'a\\b', '..', '', 'x\u0000', 'a:b', '.hidden']) {
    assert.throws(() => jobPath('/d', 'repo', bad), /unsafe id/, JSON.stringify(bad));
    assert.throws(() => resultPath('/d', 'results', bad), /unsafe id/, JSON.stringify(bad));
  }
  assert.equal(jobPath('/d', 'r', 'batch_abc-1.2'), '/d/r/batch_job_batch_abc-1.2.json');
  // A job file an older version wrote from such an id is left alone, not used.
  const dir = await tempDir(t);
  await writeFile(join(dir, 'batch_job_x.json'), JSON.stringify({ batch_id: 'x/../../y' }));
  await writeFile(join(dir, 'batch_job_ok.json'), JSON.stringify({ batch_id: 'batch_ok' }));
  assert.deepEqual([...(await readJobs(dir)).keys()], ['batch_ok']);
});
