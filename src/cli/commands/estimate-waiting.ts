/**
 * What is waiting, gathered for `slicebatch estimate`: the reviewed slices not converted yet (a
 * dry run of the conversion: its requests and exact prompt tokens per scenario, and the
 * duplicates it would not send) and the batch input files the submission plan would still send;
 * and which of the two a folder given with --input-dir holds.
 */
import { join } from 'node:path';
import type { Config } from '../../config/schema.ts';
import { enqueuedTokenLimits, readBatchInputFiles } from '../../compile/input-file-standing.ts';
import type { BatchInputFile } from '../../domain/batch-input-manifest.ts';
import { threadHelpers } from '../../convert/helper-thread-client.ts';
import { convertReviewedSlices } from '../../convert/convert-reviewed-slices.ts';
import { displayName, type DataPaths } from '../../domain/data-paths.ts';
import { isBatchInputName } from '../../domain/file-names.ts';
import { planSubmissions } from '../../domain/submission-plan.ts';
import { readJobs } from '../../jobs/job-store.ts';
import { foldRecords, type SubmissionRecord } from '../../jobs/submission-state.ts';
import type { Logger } from '../../log/logger.ts';
import {
  duplicateSavings,
  type DuplicateSavings,
  type NotSentRequests,
} from '../../status/duplicate-savings.ts';
import type { WaitingRequests } from '../../status/estimate.ts';
import { readJournal } from '../../storage/journal.ts';
import { listFiles } from '../../storage/list-files.ts';

/** The submission plan's decisions that leave a file waiting to be sent. */
const WAITING_KINDS = new Set([
  'submit',
  'in_flight',
  'wait_budget',
  'backoff',
  'cost_cap',
  'too_large',
]);

const SCENARIOS = ['scenario1', 'scenario2'] as const;

/**
 * The folders to estimate: both stages of the data folder, or the one given, as a folder of
 * batch input files when it holds any, else of reviewed slices.
 */
export async function estimateDirs(
  paths: DataPaths,
  inputDir: string | undefined,
): Promise<{ reviewedDir: string | undefined; batchDir: string | undefined }> {
  if (inputDir === undefined) return { reviewedDir: paths.reviewed, batchDir: paths.batchInput };
  const batchFiles = await listFiles(inputDir, (rel) => isBatchInputName(rel.split('/').pop()!));
  return batchFiles.length > 0
    ? { reviewedDir: undefined, batchDir: inputDir }
    : { reviewedDir: inputDir, batchDir: undefined };
}

/**
 * The batch input files of `batchDir` as they are now: listed once, before anything else is
 * read, and used both as what is converted and as what waits to be sent. A conversion running
 * meanwhile (the daemon) seals files; each such file's slices are then counted once, as slices
 * not converted, instead of also as a file not submitted.
 */
export function batchInputSnapshot(batchDir: string, paths: DataPaths): Promise<BatchInputFile[]> {
  return readBatchInputFiles(batchDir, (p) => displayName(paths.dataDir, p));
}

/**
 * The reviewed slices of `reviewedDir`, converted dry (nothing written); with `converted`, only
 * the slices of those batch input files count as converted (batchInputSnapshot).
 */
export async function waitingSlices(
  reviewedDir: string,
  paths: DataPaths,
  config: Config,
  log: Logger,
  converted?: readonly BatchInputFile[],
): Promise<{ waiting: WaitingRequests[]; duplicates: DuplicateSavings | undefined }> {
  const helpers = threadHelpers();
  try {
    const dry = await convertReviewedSlices({
      reviewedDir,
      batchInputDir: paths.batchInput,
      dataDir: paths.dataDir,
      config,
      helpers,
      ...(converted === undefined ? {} : { convertedFiles: new Set(converted.map((f) => f.path)) }),
      dryRun: true,
      now: () => new Date(),
      log: log.child({ component: 'estimate' }, { level: 'warn' }),
    });
    const planned = dry.planned!;
    const waiting = SCENARIOS.map((scenario) => ({
      what: 'reviewed_slices' as const,
      scenario,
      model: planned.models[scenario],
      requests: planned[scenario].requests,
      promptTokens: planned[scenario].promptTokens,
    }));
    if (dry.duplicates === undefined) return { waiting, duplicates: undefined };
    const notSent: NotSentRequests[] = SCENARIOS.map((s) => ({
      scenario: s,
      model: planned.models[s],
      ...dry.duplicates![s],
    }));
    const duplicates = duplicateSavings(notSent, config.estimate.output_tokens, config.prices);
    return { waiting, duplicates };
  } finally {
    await helpers.close();
  }
}

/** Of the batch input files `files` (batchInputSnapshot), those the submission plan would still send. */
export async function waitingFiles(
  files: readonly BatchInputFile[],
  paths: DataPaths,
  config: Config,
): Promise<WaitingRequests[]> {
  const decisions = planSubmissions({
    files,
    submissions: foldRecords(
      await readJournal<SubmissionRecord>(join(paths.state, 'submissions.jsonl')),
    ),
    jobs: await readJobs(paths.batchOutput),
    limits: await enqueuedTokenLimits(paths.state, config),
    prices: config.prices,
    maxCostUsd: undefined,
    outputTokens: config.estimate.output_tokens,
    inFlight: new Set(),
    now: Date.now(),
  });
  return decisions
    .filter((d) => WAITING_KINDS.has(d.kind))
    .map((d) => ({
      what: 'batch_input_files' as const,
      scenario: d.file.manifest.scenario,
      model: d.file.manifest.model || config.model,
      requests: d.file.manifest.requests,
      promptTokens: d.file.manifest.prompt_tokens,
    }));
}
