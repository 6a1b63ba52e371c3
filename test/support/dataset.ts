/**
 * For compile tests: a data folder run end to end (reviewed slices written, converted,
 * submitted and polled against the emulator), and what its compiled dataset must hold,
 * computed from the stage files themselves (not by the compiler): the answers the ledger holds
 * usable, read from their results files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import { inlineHelpers } from '../../src/convert/helper-thread-client.ts';
import { isReviewedSliceFile } from '../../src/domain/inbox-names.ts';
import { readJobs } from '../../src/jobs/job-store.ts';
import { createLogger } from '../../src/log/logger.ts';
import { parseCustomId, sliceCustomId } from '../../src/domain/custom-id.ts';
import { LEDGER_FILE, ledgerKey, type LedgerRecord } from '../../src/domain/ledger.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { createSliceGenerator, type GeneratedSlice } from './slice-generator.ts';

export const quietLog = await createLogger({ level: 'silent', stream: { write() {} } });

export async function readJsonl(path: string): Promise<any[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Slices of one repo folder, from a seeded generator that keeps counting across calls. */
export function sliceSource(repository: string, seed: number, classRatio = 0.35) {
  const gen = createSliceGenerator({ seed, repository, classRatio });
  return (n: number): GeneratedSlice[] => Array.from({ length: n }, () => gen.next());
}

/** Writes `lines` (slices or raw text) to `2.reviewed_slices/<rel>`. */
export async function writeInbox(
  dataDir: string,
  rel: string,
  lines: readonly (GeneratedSlice | string)[],
): Promise<void> {
  const path = join(dataDir, '2.reviewed_slices', rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(
    path,
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n',
  );
}

/** `slicebatch process` in-process; only the files named in `only` when given. */
export async function convert(
  dataDir: string,
  config: Config,
  options: { only?: readonly string[]; maxScenario1?: number } = {},
): Promise<void> {
  const reviewedDir = join(dataDir, '2.reviewed_slices');
  const listed = await listFiles(reviewedDir, isReviewedSliceFile);
  await convertReviewedSlices({
    reviewedDir,
    batchInputDir: join(dataDir, '3.batch_input'),
    dataDir,
    config,
    ...(options.maxScenario1 === undefined ? {} : { caps: { scenario1: options.maxScenario1 } }),
    helpers: inlineHelpers(),
    now: () => new Date(),
    log: quietLog,
    ...(options.only === undefined
      ? {}
      : { files: listed.filter((f) => options.only!.includes(f.rel)) }),
  });
}

export interface UsableAnswer {
  readonly answer: any;
  readonly attempt: number;
  readonly batchId: string;
}

/**
 * The answers in the results files of finished jobs: every 200 response counted, the ones the
 * ledger holds usable (the poller's judgement) by `<repo>\0<base custom_id>`.
 */
export async function usableAnswers(dataDir: string): Promise<{
  received: number;
  usable: Map<string, UsableAnswer>;
}> {
  const ledger = (await readJsonl(join(dataDir, '.slicebatch', LEDGER_FILE))) as LedgerRecord[];
  const latest = new Map<string, LedgerRecord>();
  for (const r of ledger) latest.set(ledgerKey(r.repo, r.custom_id), r);
  const jobs = await readJobs(join(dataDir, '4.batch_output'));
  let received = 0;
  const usable = new Map<string, UsableAnswer>();
  for (const job of jobs.values()) {
    if (!job.done || job.results_path === null) continue;
    for (const line of await readJsonl(join(dataDir, job.results_path))) {
      if (line.response?.status_code !== 200) continue;
      received++;
      const { base, attempt } = parseCustomId(line.custom_id);
      const key = ledgerKey(job.repo, base);
      const fate = latest.get(key);
      if (fate?.fate !== 'usable' || fate.attempt !== attempt || fate.batch_id !== job.batch_id)
        continue;
      if (usable.has(key)) throw new Error(`${key} usable twice`);
      usable.set(key, {
        answer: JSON.parse(line.response.body.choices[0].message.content),
        attempt,
        batchId: job.batch_id,
      });
    }
  }
  return { received, usable };
}

/** The custom_id of a slice's first request. */
export function customIdOf(slice: GeneratedSlice): string {
  return sliceCustomId(slice);
}
