/**
 * Memory of poll's handling of one ended batch (src/poll/handle-ended-job.ts): a full batch of
 * 50,000 scenario 1 requests (generated code), its answers in a shuffled results file (a tenth
 * answered with content that is not JSON, so sent again), handled once as the poll tick does
 * (the results file already downloaded; grounding on, as by default). Prints the peak of the JavaScript heap and of the array buffers (typed arrays) above what they were before, sampled at each ledger write (the
 * moments when everything the handling keeps is alive) with a full GC before each sample.
 *
 *   node --expose-gc bench/ended-batch.ts [--requests 50000]
 *
 * Also a section of `npm run bench` (`--only ended-batch`, bench/script-benches.ts).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../src/convert/request-builder.ts';
import { parseSliceLine } from '../src/domain/parse-slice.ts';
import { scenario1Values } from '../src/domain/slice-fields.ts';
import { tokenCounters } from '../src/domain/token-counter.ts';
import type { Ledger } from '../src/domain/ledger.ts';
import { prng } from '../src/emulator/ids.ts';
import { respond, type ChatBody } from '../src/emulator/responder.ts';
import type { JobRecord } from '../src/jobs/job-record.ts';
import { createLogger } from '../src/log/logger.ts';
import type { BatchApi } from '../src/openai/batch-api.ts';
import { handleEndedJob } from '../src/poll/handle-ended-job.ts';
import { createSliceGenerator } from '../test/support/slice-generator.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const { values } = parseArgs({ options: { requests: { type: 'string', default: '50000' } } });
const requests = Number(values.requests);

async function write(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

const work = await mkdtemp(join(tmpdir(), 'bench-ended-batch-'));
try {
  const config = parseConfig({ remote_cleanup: false }, 'bench');
  const builder = createRequestBuilder(
    scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
  );
  const counter = await tokenCounters()('o200k_base');
  const gen = createSliceGenerator({ seed: 30, repository: 'bench', classRatio: 0 });
  const batchInput = join(work, '3.batch_input', 'bench');
  const batchOutput = join(work, '4.batch_output', 'bench');
  await mkdir(batchInput, { recursive: true });
  await mkdir(batchOutput, { recursive: true });
  const inputPath = join(batchInput, 'scenario1_batch_input_20000101_000000.jsonl');
  const results: string[] = [];
  const input = function* (): Generator<string> {
    for (let i = 0; i < requests; i++) {
      const parsed = parseSliceLine(JSON.stringify(gen.next()));
      if (!parsed.ok || parsed.slice.type !== 'function') throw new Error('not a function slice');
      const customId = `scenario1_${parsed.slice.id}`;
      const rendered = builder.render(
        customId,
        scenario1Values(parsed.slice, 'bench', config.scenarios.scenario1.focus),
      );
      const body = (JSON.parse(rendered.line) as { body: ChatBody }).body;
      const completion = respond(customId, body, () => counter, {
        seed: 1,
        createdSeconds: 0,
        promptTokens: 0,
      });
      if (i % 10 === 0) completion.choices[0]!.message.content = '{"cut": ';
      results.push(
        `${JSON.stringify({ id: `r${i}`, custom_id: customId, response: { status_code: 200, body: completion }, error: null })}\n`,
      );
      yield rendered.line;
    }
  };
  await write(inputPath, input());
  const rnd = prng(9);
  for (let i = results.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [results[i], results[j]] = [results[j]!, results[i]!];
  }
  const batchId = 'batch_bench';
  const resultsPath = join(batchOutput, `batch_results_${batchId}.jsonl`);
  await write(resultsPath, results);
  results.length = 0;

  const job = {
    batch_file: inputPath,
    file_id: 'file-input',
    batch_id: batchId,
    status: 'completed',
    repo: 'bench',
    scenario: 'scenario1',
    model: config.model,
    requests,
    attempt: 1,
    request_attempt: 1,
    request_counts: { total: requests, completed: requests, failed: 0 },
    output_file_id: 'file-output',
    error_file_id: null,
    results_path: null,
    errors_path: null,
    errors: null,
    cancelled_by_us: false,
    retry_file: null,
    result_notes: null,
    download_attempts: 0,
    awaiting_output_since: null,
    done: false,
  } as unknown as JobRecord;
  let fates = 0;
  let peak = 0;
  gc();
  // The heap and the typed arrays' buffers (kept outside it).
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  // Full collections until nothing more is freed (buffers are freed a turn after their GC).
  const settled = async (): Promise<number> => {
    let last = Infinity;
    for (let i = 0; i < 10; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
      const now = used();
      if (now >= last) return now;
      last = now;
    }
    return last;
  };
  const base = await settled();
  const sample = async (): Promise<void> => {
    peak = Math.max(peak, (await settled()) - base);
  };
  const ledger = {
    appendMany: async (records: readonly unknown[]) => {
      fates += records.length;
      await sample();
    },
  } as unknown as Ledger;
  const api = {
    deleteFile: () => Promise.resolve(),
    retrieveBatch: () => Promise.reject(new Error('not called')),
    downloadFile: () => Promise.reject(new Error('the results file is in place')),
  } as unknown as BatchApi;
  const handled = await handleEndedJob(job, {
    api,
    ledger,
    config,
    dataDir: work,
    batchInputDir: join(work, '3.batch_input'),
    batchOutputDir: join(work, '4.batch_output'),
    now: () => 0,
    log: await createLogger({ level: 'silent' }),
    // The counter loaded before the baseline (its tables are shared, not per batch).
    counterFor: () => Promise.resolve(counter),
  });
  await sample();
  process.stdout.write(
    `${JSON.stringify({
      requests,
      input_mb: +((await stat(inputPath)).size / 1e6).toFixed(1),
      results_mb: +((await stat(resultsPath)).size / 1e6).toFixed(1),
      fates,
      outcome: handled.outcome,
      retry_file: handled.retry_file !== null,
      peak_heap_and_buffers_mb: +(peak / 1e6).toFixed(1),
    })}\n`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
