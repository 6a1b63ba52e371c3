/**
 * The facts `slicebatch status` reports, read from the data folder alone (so it works while the
 * daemon runs and when it does not; it writes nothing): the inbox listing, the batch input files
 * with their manifests and the submission plan's view of each, the job files, the rejects
 * reports, the ledger (streamed; each fate counted once, however often a crash made it be
 * recorded), the heartbeat, the kept submission pause.
 */
import { join } from 'node:path';
import { readBatchInputFiles, enqueuedTokenLimits } from '../compile/input-file-standing.ts';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { displayName } from '../domain/data-paths.ts';
import { readHeartbeat } from '../domain/heartbeat.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { SeenSliceIds } from '../domain/seen-slice-ids.ts';
import { readJobs } from '../jobs/job-store.ts';
import { LEDGER_FILE, readLedger } from '../domain/ledger.ts';
import { readJournal } from '../storage/journal.ts';
import { lockHolder } from '../storage/data-dir-lock.ts';
import { describeListingProblem, listFiles, type ListingProblem } from '../storage/list-files.ts';
import { describeWaiting } from '../domain/submission-plan.ts';
import { estimateFileCost, planSubmissions, type PlanDecision } from '../domain/submission-plan.ts';
import { foldRecords, type SubmissionRecord } from '../jobs/submission-state.ts';
import { readSubmitPause } from '../jobs/submit-pause-file.ts';
import type { FileState, StatusFacts } from './status-report.ts';
import { readDuplicateSavings } from './duplicate-savings.ts';

function fileState(d: PlanDecision): FileState {
  switch (d.kind) {
    case 'done':
      return { kind: 'in_batch', batchId: d.batchId };
    case 'submit':
    case 'in_flight':
      return {
        kind: 'not_submitted',
        reason: `${d.file.display}: not submitted yet`,
        needsPerson: false,
      };
    case 'duplicate':
      return {
        kind: 'not_submitted',
        reason: `${d.file.display}: same content as ${d.of}`,
        needsPerson: false,
      };
    case 'failed':
      return {
        kind: 'not_submitted',
        reason: `${d.file.display}: could not be submitted: ${d.reason}`,
        needsPerson: true,
      };
    case 'backoff':
    case 'wait_budget':
    case 'too_large':
    case 'cost_cap':
      return {
        kind: 'not_submitted',
        reason: `${d.file.display} ${describeWaiting(d) ?? ''}`,
        needsPerson: d.kind !== 'backoff',
      };
  }
}

async function countRejects(batchInputDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const reports = await listFiles(batchInputDir, (rel) => rel.endsWith('.rejects.jsonl'));
  for (const r of reports) {
    for await (const batch of readLineBatches(r.path)) {
      for (const line of batch) {
        if (line.kind !== 'text') continue;
        try {
          const file = (JSON.parse(line.text) as { file?: unknown }).file;
          if (typeof file === 'string') counts.set(file, (counts.get(file) ?? 0) + 1);
        } catch {
          // a line of something else: not counted
        }
      }
    }
  }
  return counts;
}

/** Usable and final fates per input file; a fate recorded twice (after a crash) counts once. */
async function countFates(
  stateDir: string,
  sourceOfBatch: (batchId: string) => string | undefined,
): Promise<Map<string, { usable: number; final: number }>> {
  const counts = new Map<string, { usable: number; final: number }>();
  const seen = new SeenSliceIds();
  for await (const r of readLedger(join(stateDir, LEDGER_FILE))) {
    if (r.fate === 'retry') continue;
    const key = `${r.batch_id}\u0000${r.repo}\u0000${r.custom_id}`;
    if (seen.add(key, { source: 0, lineNo: 0 }) !== undefined) continue;
    const source = r.source ?? sourceOfBatch(r.batch_id) ?? '(source not recorded)';
    let c = counts.get(source);
    if (c === undefined) counts.set(source, (c = { usable: 0, final: 0 }));
    c[r.fate]++;
  }
  return counts;
}

export async function readStatusFacts(
  paths: DataPaths,
  config: Config,
  now: number,
): Promise<StatusFacts> {
  const display = (path: string) => displayName(paths.dataDir, path);
  const inboxProblems: ListingProblem[] = [];
  const listed = await listFiles(paths.reviewed, isReviewedSliceFile, {
    onProblem: (p) => inboxProblems.push(p),
  });
  const inbox = listed.map((f) => ({ file: display(f.path), repo: f.relDir }));
  const files = await readBatchInputFiles(paths.batchInput, display);
  const jobs = await readJobs(paths.batchOutput);
  const submissions = foldRecords(
    await readJournal<SubmissionRecord>(join(paths.state, 'submissions.jsonl')),
  );
  const decisions = planSubmissions({
    files,
    submissions,
    jobs,
    limits: await enqueuedTokenLimits(paths.state, config),
    prices: config.prices,
    maxCostUsd: config.limits.max_cost_usd,
    outputTokens: config.estimate.output_tokens,
    inFlight: new Set(),
    now,
  });
  const byFile = new Map(files.map((f) => [f.display, f]));
  const sourceOfBatch = (batchId: string): string | undefined => {
    const job = jobs.get(batchId);
    const sources = job === undefined ? undefined : byFile.get(job.batch_file)?.manifest.sources;
    return sources?.length === 1 ? sources[0] : undefined;
  };
  return {
    dataDir: paths.dataDir,
    inbox,
    inboxProblems: inboxProblems.map((p) => ({
      kind: p.kind,
      folder: p.rel,
      message: describeListingProblem(p),
    })),
    batchInputs: decisions.map((d) => {
      let state = fileState(d);
      if (state.kind === 'in_batch' && jobs.get(state.batchId)?.done === true) {
        state = { kind: 'finished', batchId: state.batchId };
      }
      return {
        file: d.file,
        state,
        estimatedCostUsd:
          estimateFileCost(d.file, config.prices, config.estimate.output_tokens) ?? 0,
      };
    }),
    jobs: [...jobs.values()],
    rejected: await countRejects(paths.batchInput),
    fates: await countFates(paths.state, sourceOfBatch),
    heartbeat: await readHeartbeat(paths.state),
    duplicates: await readDuplicateSavings(paths.state, config),
    submitPause: await readSubmitPause(paths.state, now),
    lockHolder: await lockHolder(paths.state, () => new Date(now)),
  };
}
