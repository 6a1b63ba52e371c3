/**
 * Poll benchmarks: API calls of one tick with 1,000 active jobs (against the emulator, counted
 * on its side), and the verified download of a 200 MB output file (throughput, and the peak RSS
 * of the downloading process).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { dataPaths } from '../src/domain/data-paths.ts';
import { parseConfig } from '../src/config/load.ts';
import { ManualClock } from '../src/emulator/clock.ts';
import { startEmulator } from '../src/emulator/emulator.ts';
import { NO_FAULTS } from '../src/emulator/faults.ts';
import { createLogger } from '../src/log/logger.ts';
import { createOpenAIBatchApi } from '../src/openai/batch-api.ts';
import { openPoller } from '../src/poll/poller.ts';
import { listBatchInputFiles } from '../src/submit/batch-input-files.ts';
import { openSubmitter } from '../src/submit/submitter.ts';
import { writeBatchInputs } from '../test/support/batch-inputs.ts';
import { runChild } from './child.ts';

export interface PollBench {
  readonly activeJobs: number;
  readonly callsPerTick: number;
  readonly downloadMb: number;
  readonly downloadMbPerS: number;
  readonly downloadPeakRssMb: number;
}

async function callsPerTick(jobs: number): Promise<number> {
  const data = await mkdtemp(join(tmpdir(), 'bench-poll-'));
  const clock = new ManualClock();
  const emulator = await startEmulator({
    clock,
    faults: NO_FAULTS,
    tickMs: 0,
    schedule: { validatingMs: 3_600_000 },
  });
  try {
    await writeBatchInputs(data, jobs, 1);
    const config = parseConfig(
      { submit: { concurrency: 8, requests_per_minute: 10_000_000 } },
      'bench',
    );
    const paths = dataPaths(data, '.');
    const log = await createLogger({ level: 'silent', stream: { write() {} } });
    const api = createOpenAIBatchApi({ apiKey: 'bench', baseURL: emulator.url });
    const submitter = await openSubmitter({
      api,
      stateDir: paths.state,
      batchOutputDir: paths.batchOutput,
      config,
      clock,
      log,
    });
    const poller = await openPoller({
      jobs: submitter.tracker,
      api,
      paths,
      config,
      log,
      now: () => clock.now(),
    });
    await submitter.submitRound(await listBatchInputFiles(paths.batchInput, paths.dataDir));
    const before = emulator.stats().requests;
    await poller.tick();
    const calls = emulator.stats().requests - before;
    await poller.close();
    await submitter.close();
    return calls;
  } finally {
    await emulator.close();
    await rm(data, { recursive: true, force: true });
  }
}

export async function download(root: string, sizeMb: number) {
  const work = await mkdtemp(join(tmpdir(), 'bench-download-'));
  const emulator = await startEmulator({ faults: NO_FAULTS });
  try {
    const lines = 50_000;
    const src = join(work, 'output.jsonl');
    const out = createWriteStream(src);
    const pad = 'x'.repeat(Math.max(0, Math.floor((sizeMb * 1e6) / lines) - 120));
    for (let i = 0; i < lines; i++) {
      const line = `{"id":"batch_req_${i}","custom_id":"r_${i}","response":{"status_code":200,"body":{"pad":"${pad}"}},"error":null}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const client = new OpenAI({ baseURL: emulator.url, apiKey: 'bench' });
    const file = await client.files.create({ file: createReadStream(src), purpose: 'user_data' });
    const target = join(work, 'results.jsonl');
    const run = await runChild([
      join(root, 'bench', 'download-main.ts'),
      emulator.url,
      file.id,
      target,
      String(lines),
    ]);
    const bytes = (await stat(target)).size;
    return {
      mb: bytes / 1e6,
      mbPerS: bytes / 1e6 / (JSON.parse(run.stdout) as { seconds: number }).seconds,
      rss: run.maxRssMb,
    };
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}

export async function benchPoll(root: string): Promise<PollBench> {
  const calls = await callsPerTick(1000);
  const d = await download(root, 200);
  return {
    activeJobs: 1000,
    callsPerTick: calls,
    downloadMb: d.mb,
    downloadMbPerS: d.mbPerS,
    downloadPeakRssMb: d.rss,
  };
}
