/**
 * Submission and polling wired together against a test emulator, as the daemon will run them,
 * and the invariant every run must end in.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { dataPaths } from '../../src/domain/data-paths.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi, type BatchApi } from '../../src/openai/batch-api.ts';
import { parseCustomId } from '../../src/domain/custom-id.ts';
import { openPoller, type Poller } from '../../src/poll/poller.ts';
import { LEDGER_FILE, ledgerKey, type LedgerRecord } from '../../src/domain/ledger.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { openSubmitter, type Submitter } from '../../src/submit/submitter.ts';
import { readJournal } from '../../src/storage/journal.ts';
import type { TestEmulator } from './emulator.ts';
import { quickConfig } from './quick-config.ts';

export interface TestPipeline {
  readonly config: Config;
  readonly submitter: Submitter;
  readonly poller: Poller;
  /** Submits what is waiting, lets `advanceMs` pass on the emulator, polls. */
  cycle(advanceMs?: number): Promise<void>;
  /** Cycles until every batch has ended and been handled and nothing is left to submit. */
  settle(maxCycles?: number): Promise<number>;
}

/** What the pipeline needs of an emulator (the OpenAI one's TestEmulator, or another provider's). */
export type PipelineEmulator = Pick<TestEmulator, 'clock' | 'advance'> & {
  readonly emulator: { readonly url: string };
};

export async function testPipeline(
  t: TestContext,
  env: PipelineEmulator,
  dataDir: string,
  raw: Record<string, unknown> = {},
  /** Another provider's adapter (the OpenAI one by default). */
  makeApi?: (paths: ReturnType<typeof dataPaths>) => BatchApi,
): Promise<TestPipeline> {
  const config = quickConfig(raw, { retryBaseMs: 5 });
  const paths = dataPaths(dataDir, '.');
  const log = await createLogger({ level: 'silent', stream: { write() {} } });
  const api =
    makeApi?.(paths) ??
    createOpenAIBatchApi({
      apiKey: 'sk-test-pipeline',
      baseURL: env.emulator.url,
      maxRetries: 2,
      timeoutMs: config.submit.request_timeout_ms,
    });
  const submitter = await openSubmitter({
    api,
    stateDir: paths.state,
    batchOutputDir: paths.batchOutput,
    config,
    clock: env.clock,
    log,
  });
  const poller = await openPoller({
    jobs: submitter.tracker,
    api,
    paths,
    config,
    log,
    now: () => env.clock.now(),
  });
  t.after(async () => {
    await poller.close();
    await submitter.close();
  });
  const files = () => listBatchInputFiles(paths.batchInput, paths.dataDir);
  const pipeline: TestPipeline = {
    config,
    submitter,
    poller,
    async cycle(advanceMs = 60_000) {
      await submitter.submitRound(await files());
      await env.advance(advanceMs);
      await poller.tick();
    },
    async settle(maxCycles = 30) {
      for (let i = 1; i <= maxCycles; i++) {
        await pipeline.cycle();
        // Past the requeue backoff of token-limit failures (on the submitter's clock).
        await env.advance(config.submit.requeue_cap_ms);
        const decisions = submitter.plan(await files());
        const idle = decisions.every(
          (d) => d.kind === 'done' || d.kind === 'failed' || d.kind === 'duplicate',
        );
        if (idle && [...submitter.jobs.values()].every((j) => j.done)) return i;
      }
      throw new Error('the pipeline did not settle');
    },
  };
  return pipeline;
}

export interface InvariantReport {
  /** Slices sent (base custom_ids, per repo). */
  readonly sent: number;
  readonly usable: number;
  readonly final: Map<string, string>;
  /** Requests sent again (retries), in all. */
  readonly retries: number;
}

/**
 * Every sent slice has exactly one usable result or a recorded final reason, and no request
 * was sent more often than its retries explain.
 */
export async function checkInvariant(dataDir: string): Promise<InvariantReport> {
  const files = await listBatchInputFiles(join(dataDir, '3.batch_input'), dataDir);
  const sends = new Map<string, number>();
  // A retry file written twice (a crash in between) is the same content, submitted once.
  const contents = new Set<string>();
  for (const f of files) {
    if (contents.has(f.manifest.sha256)) continue;
    contents.add(f.manifest.sha256);
    for (const line of (await readFile(f.path, 'utf8')).split('\n').filter(Boolean)) {
      const { base } = parseCustomId((JSON.parse(line) as { custom_id: string }).custom_id);
      const key = ledgerKey(f.repo, base);
      sends.set(key, (sends.get(key) ?? 0) + 1);
    }
  }
  const records = await readJournal<LedgerRecord>(join(dataDir, '.slicebatch', LEDGER_FILE));
  // Distinct results (a crash may make a fate be recorded again: the same fact twice).
  const usable = new Map<string, Set<string>>();
  const final = new Map<string, string>();
  const retried = new Map<string, Set<number>>();
  for (const r of records) {
    const key = ledgerKey(r.repo, r.custom_id);
    if (r.fate === 'usable')
      usable.set(key, (usable.get(key) ?? new Set()).add(`${r.batch_id}#${r.attempt}`));
    if (r.fate === 'final') final.set(key, r.reason ?? '');
    if (r.fate === 'retry') retried.set(key, (retried.get(key) ?? new Set()).add(r.attempt));
  }
  let retries = 0;
  for (const [key, n] of sends) {
    const u = usable.get(key)?.size ?? 0;
    const f = final.has(key);
    assert.ok(
      (u === 1 && !f) || (u === 0 && f),
      `${key}: ${u} usable, final: ${final.get(key) ?? 'none'}`,
    );
    const r = retried.get(key)?.size ?? 0;
    assert.equal(n, 1 + r, `${key}: sent ${n} times for ${r} retries`);
    retries += r;
  }
  for (const key of [...usable.keys(), ...final.keys()])
    assert.ok(sends.has(key), `${key} has a fate but was never sent`);
  return { sent: sends.size, usable: usable.size, final, retries };
}
