/**
 * A batch that fails validation with errors naming lines (`errors.data[].line`: a model other
 * than the file's, a url other than the endpoint): nothing of it ran or was billed. Each named
 * line is final with its own error, naming the file and the line; the other requests were not
 * at fault and are sent again without the bad lines, so one bad line does not lose the file.
 * An error with no line leaves every request final, as before.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchInputName, fileTimestamp } from '../../src/domain/file-names.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { requestLine, testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

async function inputFile(data: string, lines: readonly string[]): Promise<string> {
  const dir = join(data, '3.batch_input', 'repo_t');
  await mkdir(dir, { recursive: true });
  const name = batchInputName('scenario1', fileTimestamp(RUN_START), 0);
  await writeFile(join(dir, name), lines.map((l) => `${l}\n`).join(''));
  return `3.batch_input/repo_t/${name}`;
}

test('failed validation naming lines: those lines final (file and line named), the others sent again without them', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const other = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'x' }] };
  const rel = await inputFile(data, [
    requestLine('scenario1_t_00001_func'),
    requestLine('scenario1_t_00002_func'),
    requestLine('scenario1_t_00003_func', { body: other }),
    requestLine('scenario1_t_00004_func', { url: '/v1/embeddings' }),
    requestLine('scenario1_t_00005_func'),
  ]);
  const p = await testPipeline(t, env, data);
  await p.settle();

  const report = await checkInvariant(data);
  assert.equal(report.usable, 3, 'the requests not at fault, answered when sent again');
  assert.equal(report.retries, 3);
  const final = [...report.final.entries()].sort();
  assert.equal(final.length, 2);
  assert.match(
    final[0]![1],
    new RegExp(`^the batch failed validation at line 3 of ${rel}: mismatched_model`),
  );
  assert.match(
    final[1]![1],
    new RegExp(`^the batch failed validation at line 4 of ${rel}: url_mismatch`),
  );

  // The retry file holds the three good requests, not the file as it was.
  const files = await listBatchInputFiles(join(data, '3.batch_input'), data);
  assert.equal(files.length, 2);
  const retry = files.find((f) => f.display !== rel)!;
  const ids = (await readFile(retry.path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { custom_id: string }).custom_id.replace(/_r\d+$/, ''));
  assert.equal(ids.length, 3);
  assert.ok(
    ids.every((id) => !/0000[34]/.test(id)),
    ids.join(', '),
  );
  assert.equal(env.emulator.stats().batchesCreated, 2);
});

test('failed validation with an error that names no line (too many requests): every request final, nothing sent again', async (t) => {
  const env = await testEmulator(t, { maxRequestsPerBatch: 2 });
  const data = await tempDir(t);
  await inputFile(
    data,
    [1, 2, 3].map((i) => requestLine(`scenario1_t_0000${i}_func`)),
  );
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 0);
  assert.equal(report.retries, 0);
  for (const reason of report.final.values())
    assert.match(reason, /^the batch failed validation: too_many_tasks: /);
  assert.equal(report.final.size, 3);
  assert.equal(env.emulator.stats().batchesCreated, 1);
});

test("the emulator's injected validation failure: with a `line`, that request alone is final; with none, every request is", async (t) => {
  const run = async (fault: { kind: 'validation_failure'; nth: number[]; line?: number }) => {
    const env = await testEmulator(t, { faults: { batches: [fault] } });
    const data = await tempDir(t);
    const rel = await inputFile(
      data,
      [1, 2, 3].map((i) => requestLine(`scenario1_t_0000${i}_func`)),
    );
    const p = await testPipeline(t, env, data);
    await p.settle();
    return {
      rel,
      report: await checkInvariant(data),
      created: env.emulator.stats().batchesCreated,
    };
  };

  const named = await run({ kind: 'validation_failure', nth: [1], line: 2 });
  assert.equal(named.report.usable, 2, 'lines 1 and 3 answered when sent again');
  assert.deepEqual(
    [...named.report.final.values()].map((r) => r.slice(0, r.indexOf(': (emulated'))),
    [`the batch failed validation at line 2 of ${named.rel}: invalid_request`],
  );
  assert.equal(named.created, 2);

  const whole = await run({ kind: 'validation_failure', nth: [1] });
  assert.equal(whole.report.usable, 0);
  assert.equal(whole.report.final.size, 3);
  for (const reason of whole.report.final.values())
    assert.match(reason, /^the batch failed validation: invalid_request: \(emulated fault\)/);
  assert.equal(whole.created, 1);
});
