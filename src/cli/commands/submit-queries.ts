/**
 * batch_submitter.py's queries, in `slicebatch submit`: --list-active, --check-status ID,
 * --download-results ID. They work for any batch of the account, ours or not; ours get their
 * job file updated.
 */
import { dirname, join, relative } from 'node:path';
import type { DataPaths } from '../../domain/data-paths.ts';
import type { Config } from '../../config/schema.ts';
import { isTerminal } from '../../domain/batch-status.ts';
import { withRemote } from '../../jobs/job-record.ts';
import { withCost } from '../../jobs/job-tracker.ts';
import { jobPath, readJobs, writeJob } from '../../jobs/job-store.ts';
import type { Logger } from '../../log/logger.ts';
import type { BatchApi, RemoteBatch } from '../../openai/batch-api.ts';
import { readCustomIds } from '../../domain/batch-input-ids.ts';
import { downloadVerified, resultPath } from '../../poll/result-download.ts';
import type { CommandContext } from '../command.ts';
import { formatCount, table } from '../../format.ts';

const when = (s: number | null | undefined): string =>
  s == null ? '' : new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19);

function counts(b: RemoteBatch): string {
  const c = b.request_counts;
  return c
    ? `${formatCount(c.completed)}/${formatCount(c.total)} done, ${formatCount(c.failed)} failed`
    : '';
}

/** Active batches are at most a day old (the completion window) plus cancelling time. */
const ACTIVE_HORIZON_S = 26 * 3600;

export async function listActive(
  ctx: CommandContext,
  api: BatchApi,
  paths: DataPaths,
): Promise<number> {
  const jobs = await readJobs(paths.batchOutput);
  // The horizon is measured on the server's clock (its newest batch), never against ours.
  let newest: number | undefined;
  const rows: string[][] = [];
  for await (const b of api.listBatches()) {
    newest = Math.max(newest ?? b.created_at, b.created_at);
    if (b.created_at < newest - ACTIVE_HORIZON_S) break;
    if (isTerminal(b.status)) continue;
    rows.push([
      b.id,
      b.status,
      counts(b),
      when(b.created_at),
      jobs.get(b.id)?.batch_file ?? '(not ours)',
    ]);
  }
  ctx.stdout.write(
    rows.length === 0
      ? 'No active batches.\n'
      : `${rows.length} active ${rows.length === 1 ? 'batch' : 'batches'}:\n${table([['batch', 'status', 'requests', 'created (UTC)', 'input file'], ...rows])}\n`,
  );
  return 0;
}

export async function checkStatus(
  ctx: CommandContext,
  api: BatchApi,
  paths: DataPaths,
  config: Config,
  batchId: string,
): Promise<number> {
  const b = await api.retrieveBatch(batchId);
  const jobs = await readJobs(paths.batchOutput);
  const job = jobs.get(batchId);
  if (job !== undefined) {
    await writeJob(paths.batchOutput, withCost(withRemote(job, b, Date.now()), config.prices));
  }
  const rows: [string, string][] = [
    ['batch', b.id],
    ['status', b.status],
    ['requests', counts(b)],
    ['input file', `${b.input_file_id}${job ? ` (${job.batch_file})` : ''}`],
    ['output file', b.output_file_id ?? ''],
    ['error file', b.error_file_id ?? ''],
    ['created', when(b.created_at)],
    ['in progress', when(b.in_progress_at)],
    ['finalizing', when(b.finalizing_at)],
    ['completed', when(b.completed_at)],
    ['failed', when(b.failed_at)],
    ['expired', when(b.expired_at)],
    ['cancelled', when(b.cancelled_at)],
    ['expires', when(b.expires_at)],
  ];
  const lines = [table(rows.filter(([, v]) => v !== ''))];
  for (const e of b.errors?.data ?? []) {
    lines.push(
      `  error ${e.code ?? ''}${e.line != null ? ` (line ${e.line})` : ''}: ${e.message ?? ''}`,
    );
  }
  if (b.usage) {
    lines.push(
      `  usage: ${formatCount(b.usage.input_tokens)} prompt + ${formatCount(b.usage.output_tokens)} completion tokens`,
    );
  }
  if (job === undefined) lines.push('  (not a batch of this data folder: no job file updated)');
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function downloadResults(
  ctx: CommandContext,
  api: BatchApi,
  paths: DataPaths,
  batchId: string,
  log: Logger,
): Promise<number> {
  const b = await api.retrieveBatch(batchId);
  const job = (await readJobs(paths.batchOutput)).get(batchId);
  const dir =
    job === undefined ? paths.batchOutput : dirname(jobPath(paths.batchOutput, job.repo, batchId));
  // Ours: every line must be a request we sent (others are skipped and noted). Any batch: a
  // count other than request_counts says is noted.
  const sent =
    job === undefined ? undefined : await readCustomIds(join(paths.dataDir, job.batch_file));
  const counts = b.request_counts ?? { total: 0, completed: 0, failed: 0 };
  const out: string[] = [];
  if (b.output_file_id) {
    const path = resultPath(dir, 'results', batchId);
    const lines = await downloadVerified({
      api,
      fileId: b.output_file_id,
      path,
      expectedLines: counts.completed,
      sent,
    });
    out.push(`results: ${relative(ctx.cwd, path)} (${formatCount(lines.lines)} lines)`);
    for (const n of lines.notes) out.push(`  note: ${n}`);
  }
  if (b.error_file_id) {
    const path = resultPath(dir, 'errors', batchId);
    const lines = await downloadVerified({
      api,
      fileId: b.error_file_id,
      path,
      expectedLines: counts.total - counts.completed,
      sent,
    });
    out.push(`errors: ${relative(ctx.cwd, path)} (${formatCount(lines.lines)} lines)`);
    for (const n of lines.notes) out.push(`  note: ${n}`);
  }
  if (out.length === 0) {
    ctx.stdout.write(`Batch ${batchId} is ${b.status}: no result file to download yet.\n`);
    return isTerminal(b.status) ? 0 : 1;
  }
  log.info({ batchId }, `downloaded the results of ${batchId}`);
  ctx.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
