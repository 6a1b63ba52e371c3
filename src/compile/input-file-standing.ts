/**
 * Where each batch input file stands, for the slices whose requests it holds: its batch is
 * finished (the ledger then has a fate for every request), it is in a batch not finished yet,
 * or it is not submitted (and why: the submission plan's own reason). Read only: unlike the
 * submitter, a missing manifest is not written, only its content hashed.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { isBatchInputName, manifestNameFor } from '../domain/file-names.ts';
import type { BatchInputFile, BatchInputManifest } from '../domain/batch-input-manifest.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { listFiles } from '../storage/list-files.ts';
import { hashFile } from '../storage/file-hash.ts';
import { planSubmissions, type PlanDecision } from '../domain/submission-plan.ts';
import type { Submission } from '../jobs/submission-state.ts';
import type { InputFileStanding } from './failure-categories.ts';

export type FileStanding =
  { readonly kind: 'finished'; readonly batchId: string } | InputFileStanding;

export interface StandingFile {
  readonly file: BatchInputFile;
  readonly standing: FileStanding;
}

async function readManifest(path: string, name: string): Promise<BatchInputManifest> {
  try {
    return JSON.parse(
      await readFile(join(dirname(path), manifestNameFor(name)), 'utf8'),
    ) as BatchInputManifest;
  } catch {
    const { sha256, bytes } = await hashFile(path);
    return {
      version: 1,
      file: name,
      scenario: (/^(scenario[12])_/.exec(name)?.[1] ?? 'scenario1') as Scenario,
      model: '',
      requests: 0,
      bytes,
      prompt_tokens: 0,
      max_completion_tokens: 0,
      sha256,
      created_at: '',
      sources: [],
      attempt: 1,
    };
  }
}

/** The batch input files under `batchInputDir`, in the order the submitter takes them. */
export async function readBatchInputFiles(
  batchInputDir: string,
  display: (path: string) => string,
): Promise<BatchInputFile[]> {
  const listed = await listFiles(batchInputDir, (rel) => isBatchInputName(rel.split('/').pop()!));
  const out: BatchInputFile[] = [];
  for (const f of listed) {
    const name = f.rel.split('/').pop()!;
    out.push({
      path: f.path,
      display: display(f.path),
      repo: f.relDir,
      name,
      manifest: await readManifest(f.path, name),
    });
  }
  return out;
}

/** The enqueued-token limits the submitter uses: configured, else learned. */
export async function enqueuedTokenLimits(
  stateDir: string,
  config: Config,
): Promise<Map<string, number>> {
  const learned: Record<string, number> = await readFile(
    join(stateDir, 'learned-limits.json'),
    'utf8',
  )
    .then((text) => JSON.parse(text) as Record<string, number>)
    .catch(() => ({}));
  const limits = new Map(Object.entries(learned));
  for (const [model, n] of Object.entries(config.limits.enqueued_tokens ?? {}))
    limits.set(model, n);
  return limits;
}

function notSubmitted(file: BatchInputFile, why: string): InputFileStanding {
  return { kind: 'not_submitted', reason: `its batch input file ${file.display} ${why}` };
}

function standingOf(d: PlanDecision, jobs: ReadonlyMap<string, JobRecord>): FileStanding {
  const usd = (x: number): string => `$${x.toFixed(2)}`;
  switch (d.kind) {
    case 'done': {
      const job = jobs.get(d.batchId);
      if (job?.done === true) return { kind: 'finished', batchId: d.batchId };
      const status = job?.status ?? 'submitted';
      const waiting = job?.download_error
        ? `, results not downloaded yet: ${job.download_error}`
        : '';
      return {
        kind: 'in_batch',
        batchId: d.batchId,
        reason: `in batch ${d.batchId}, ${status}${waiting}`,
      };
    }
    case 'submit':
    case 'in_flight':
      return notSubmitted(d.file, 'is not submitted yet (the next submission round sends it)');
    case 'failed':
      return notSubmitted(d.file, `could not be submitted: ${d.reason}`);
    case 'backoff':
      return notSubmitted(
        d.file,
        `waits until ${new Date(d.until).toISOString()} (its batch hit the enqueued-token limit)`,
      );
    case 'wait_budget':
      return notSubmitted(
        d.file,
        `waits for the enqueued-token budget of ${d.model} (${d.inUse} of ${d.limit} in use)`,
      );
    case 'too_large':
      return notSubmitted(
        d.file,
        `never fits the enqueued-token limit of ${d.file.manifest.model} (${d.limit})`,
      );
    case 'cost_cap':
      return notSubmitted(
        d.file,
        `is not submitted: limits.max_cost_usd (${usd(d.capUsd)}) would be passed (spent about ${usd(d.spentUsd)}, this file about ${usd(d.nextUsd)})`,
      );
    case 'duplicate':
      // Resolved by the caller from the file of the same content.
      return notSubmitted(d.file, `has the same content as ${d.of}`);
  }
}

/** Each batch input file with where it stands (a copy of another takes the other's standing). */
export function fileStandings(input: {
  readonly files: readonly BatchInputFile[];
  readonly submissions: ReadonlyMap<string, Submission>;
  readonly jobs: ReadonlyMap<string, JobRecord>;
  readonly limits: ReadonlyMap<string, number>;
  readonly config: Config;
  readonly now: number;
}): StandingFile[] {
  const decisions = planSubmissions({
    files: input.files,
    submissions: input.submissions,
    jobs: input.jobs,
    limits: input.limits,
    prices: input.config.prices,
    maxCostUsd: input.config.limits.max_cost_usd,
    outputTokens: input.config.estimate.output_tokens,
    inFlight: new Set(),
    now: input.now,
  });
  const bySha = new Map<string, FileStanding>();
  for (const d of decisions) {
    if (d.kind !== 'duplicate') bySha.set(d.file.manifest.sha256, standingOf(d, input.jobs));
  }
  return decisions.map((d) => ({
    file: d.file,
    standing: bySha.get(d.file.manifest.sha256) ?? standingOf(d, input.jobs),
  }));
}
