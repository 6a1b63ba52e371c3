/**
 * Job files on disk: one `batch_job_<batch_id>.json` per batch, in the repo folder of its input
 * under the batch output stage, written atomically; and the per-round
 * `batch_submission_results_<YYYYMMDD_HHMMSS>.json`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileTimestamp } from '../domain/file-names.ts';
import { isPlainApiId, plainApiId } from '../openai/api-ids.ts';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { listFiles } from '../storage/list-files.ts';
import type { JobRecord } from './job-record.ts';

const JOB_NAME = /^batch_job_(.+)\.json$/;

export function jobPath(batchOutputDir: string, repo: string, batchId: string): string {
  const id = plainApiId('batch id', batchId, 'the name of a job file');
  return join(batchOutputDir, ...repo.split('/').filter(Boolean), `batch_job_${id}.json`);
}

export async function writeJob(batchOutputDir: string, job: JobRecord): Promise<void> {
  await writeJsonAtomic(jobPath(batchOutputDir, job.repo, job.batch_id), job);
}

/** Every job file under the batch output stage, by batch id. */
export async function readJobs(batchOutputDir: string): Promise<Map<string, JobRecord>> {
  const files = await listFiles(batchOutputDir, (rel) => JOB_NAME.test(rel.split('/').pop()!));
  const jobs = new Map<string, JobRecord>();
  for (const f of files) {
    try {
      const job = JSON.parse(await readFile(f.path, 'utf8')) as JobRecord;
      // An id that is not a plain name (an older version wrote what a bad answer gave it):
      // it cannot name its results, so it is left alone rather than failing every tick.
      if (isPlainApiId(job.batch_id)) jobs.set(job.batch_id, job);
    } catch {
      // A job file edited by hand into invalid JSON: it is not ours to guess.
    }
  }
  return jobs;
}

export interface SubmissionRound {
  readonly submitted_jobs: JobRecord[];
  readonly failed_submissions: { file: string; error: string; timestamp: string }[];
  readonly waiting: { file: string; reason: string }[];
  readonly skipped: { file: string; reason: string }[];
  readonly timestamp: string;
}

/** `batch_submission_results_<ts>.json` in the batch output stage, as the original wrote it. */
export async function writeSubmissionRound(
  batchOutputDir: string,
  round: SubmissionRound,
  now: Date,
): Promise<string> {
  const base = join(batchOutputDir, `batch_submission_results_${fileTimestamp(now)}`);
  let path = `${base}.json`;
  for (let n = 1; ; n++) {
    try {
      await readFile(path);
      path = `${base}_${n}.json`;
    } catch {
      break;
    }
  }
  await writeJsonAtomic(path, round);
  return path;
}
