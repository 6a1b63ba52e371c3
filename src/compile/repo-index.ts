/**
 * The index of one repo folder (compile-repo.ts, step 1), and its result lines read back:
 *
 *   - the 200 answers of its finished batches (results files: base custom_id → file, offset,
 *     length of the latest attempt) and the requests of its unfinished batch input files (→
 *     the file, and where it stands), in a compact table (result-index.ts);
 *   - a result line read back by offset: its custom_id, attempt and response body (whether it
 *     is usable is the ledger's to say, ledger-fates.ts);
 *   - the usable answers no slice took (slices removed from the inbox), counted.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { customIdOfLine } from '../domain/batch-input-ids.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { resultFate, type LedgerFates } from '../domain/ledger-fates.ts';
import { InputFileError } from '../errors.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import type { BatchInputFile } from '../domain/batch-input-manifest.ts';
import type { StatisticsCounter } from './dataset-statistics.ts';
import type { InputFileStanding } from './failure-categories.ts';
import type { PositionalReader } from './positional-reader.ts';
import type { ResultIndex } from './result-index.ts';
import { scanResultLines } from './result-lines.ts';

export type IndexedFile =
  | {
      readonly kind: 'results';
      readonly path: string;
      readonly batchId: string;
      /** The attempt of the requests of its batch (to read ids of older versions). */
      readonly requestAttempt: number;
    }
  | { readonly kind: 'input'; readonly standing: InputFileStanding };

export interface IndexSources {
  readonly dataDir: string;
  /** Its finished jobs with a results file. */
  readonly jobs: readonly JobRecord[];
  /** Its batch input files whose batch is not finished, with where each stands. */
  readonly openInputs: readonly { file: BatchInputFile; standing: InputFileStanding }[];
  readonly display: (path: string) => string;
}

/** Fills `index` with the folder's answers and unfinished requests; returns its files by number. */
export async function indexRepo(
  input: IndexSources,
  index: ResultIndex,
  stats: StatisticsCounter,
): Promise<IndexedFile[]> {
  index.reset(
    input.jobs.reduce((n, j) => n + (j.request_counts?.completed ?? j.requests), 0) +
      input.openInputs.reduce((n, f) => n + f.file.manifest.requests, 0),
  );
  const files: IndexedFile[] = [];
  for (const job of input.jobs) {
    const path = isAbsolute(job.results_path!)
      ? job.results_path!
      : join(input.dataDir, job.results_path!);
    const requestAttempt = job.request_attempt;
    const number = files.push({ kind: 'results', path, batchId: job.batch_id, requestAttempt }) - 1;
    const exists = await stat(path).catch(() => undefined);
    if (exists === undefined) {
      throw new InputFileError(
        input.display(path),
        `missing: the results of batch ${job.batch_id}, downloaded according to its job file`,
      );
    }
    for await (const refs of scanResultLines(path)) {
      for (const ref of refs) {
        if (ref.status !== 200 || ref.customId === undefined) continue;
        stats.received();
        const { base, attempt } = parseCustomId(ref.customId, requestAttempt);
        index.put(base, number, attempt, ref.offset, ref.length);
      }
    }
  }
  for (const { file, standing } of input.openInputs) {
    const number = files.push({ kind: 'input', standing }) - 1;
    for await (const raws of readLineBatches(file.path)) {
      for (const raw of raws) {
        const customId = raw.kind === 'text' ? customIdOfLine(raw.text) : undefined;
        if (customId === undefined) continue;
        const { base, attempt } = parseCustomId(customId, file.manifest.attempt);
        index.put(base, number, attempt);
      }
    }
  }
  return files;
}

export type ResultLineRead =
  | {
      readonly kind: 'line';
      readonly base: string;
      readonly attempt: number;
      readonly body: unknown;
    }
  | { readonly kind: 'broken'; readonly reason: string }
  /** Not the line of this slice (a fingerprint collision): as if there were none. */
  | { readonly kind: 'other' };

/** The result line of an index slot, read back; `base` (when given) must be its custom_id's. */
export function readResultLine(
  reader: PositionalReader,
  index: ResultIndex,
  files: readonly IndexedFile[],
  slot: number,
  base?: string,
): ResultLineRead {
  const entry = index.entry(slot);
  const file = files[entry.file] as Extract<IndexedFile, { kind: 'results' }>;
  const text = reader.read(file.path, entry.offset, entry.length).toString('utf8');
  let line: { custom_id?: unknown; response?: { body?: unknown } | null };
  try {
    line = JSON.parse(text) as typeof line;
  } catch (err) {
    return { kind: 'broken', reason: `its result line is not JSON: ${(err as Error).message}` };
  }
  if (typeof line.custom_id !== 'string') return { kind: 'other' };
  const parsed = parseCustomId(line.custom_id, file.requestAttempt);
  if (base !== undefined && parsed.base !== base) return { kind: 'other' };
  return { kind: 'line', base: parsed.base, attempt: parsed.attempt, body: line.response?.body };
}

/** Counts the answers no slice took that the ledger says are usable. */
export function countOrphans(
  repo: string,
  fates: LedgerFates,
  reader: PositionalReader,
  index: ResultIndex,
  files: readonly IndexedFile[],
  stats: StatisticsCounter,
): void {
  for (const slot of index.slots()) {
    const entry = index.entry(slot);
    if (entry.used || files[entry.file]!.kind !== 'results') continue;
    const line = readResultLine(reader, index, files, slot);
    if (line.kind !== 'line') continue;
    if (resultFate(fates, repo, line.base, line.attempt).kind === 'usable') {
      stats.usable();
      stats.orphan();
    }
  }
}
