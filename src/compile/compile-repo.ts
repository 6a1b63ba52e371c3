/**
 * One repo folder of the dataset, streamed:
 *
 *   1. index the 200 answers of its finished batches and the requests of its unfinished batch
 *      input files (repo-index.ts);
 *   2. read its reviewed-slice files in order, each alongside its rejects report; look each
 *      slice up, and, when the ledger says its result is usable (ledger-fates.ts: the fates
 *      the poller decided are not judged again), read its answer back by offset and write its
 *      record into the processed file of its scenario; else write its failure (the ledger's
 *      reason) into the failures report;
 *   3. count the usable answers no slice took (slices removed from the inbox).
 *
 * What stays after the folder is done: per record its split entry (dataset-split.ts).
 *
 * Its pieces: a line decided (reviewed-line.ts), a slice's result looked up (slice-result.ts),
 * a usable answer into its record (slice-record.ts); the terms in repo-terms.ts.
 */
import { basename, join } from 'node:path';
import { buildCustomId, scenarioOf } from '../domain/custom-id.ts';
import { rejectsReportName } from '../domain/file-names.ts';
import { ledgerKey } from '../domain/ledger.ts';
import type { Slice } from '../domain/slice-schema.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { classifyMissing } from './failure-categories.ts';
import { openRejectsCursor } from './rejects-cursor.ts';
import { countOrphans, indexRepo } from './repo-index.ts';
import type { RepoInput, RepoOutputs } from './repo-terms.ts';
import { reviewedLine } from './reviewed-line.ts';
import { useAnswer } from './slice-record.ts';
import { sliceResult, type IndexedRepo } from './slice-result.ts';

export type { ProcessedOutput, RepoInput, RepoOutputs } from './repo-terms.ts';

const DUPLICATE_REASON = 'duplicate id: an earlier line of this repo folder has the same id';

export async function compileRepo(input: RepoInput, out: RepoOutputs): Promise<void> {
  // 1. The index.
  const files = await indexRepo(input, out.index, out.stats);
  const indexed: IndexedRepo = { index: out.index, files, reader: out.reader };
  // 2. The reviewed slices, in order.
  for (const listed of input.reviewed) await compileFile(input, out, indexed, listed.path);
  // 3. Answers no slice took.
  countOrphans(input.repo, input.fates, out.reader, out.index, files, out.stats);
}

/** One reviewed-slice file, read alongside its rejects report, line by line. */
async function compileFile(
  input: RepoInput,
  out: RepoOutputs,
  indexed: IndexedRepo,
  path: string,
): Promise<void> {
  const file = input.display(path);
  const folder = input.repo.split('/').filter(Boolean);
  const rejects = openRejectsCursor(
    join(input.batchInputDir, ...folder, rejectsReportName(basename(path))),
  );
  for await (const raws of readLineBatches(path)) {
    await rejects.loadUpTo(raws[raws.length - 1]!.lineNo);
    for (const raw of raws) {
      out.stats.line();
      const where = { file, line: raw.lineNo };
      const line = reviewedLine(raw, rejects.take(raw.lineNo), input.repo, where);
      if (line.kind === 'failure') out.fail(line.entry);
      else await compileSlice(input, out, indexed, line.slice, where);
    }
    await out.flush();
  }
}

/** One slice: its record, or the failure it is (a duplicate id, or why it has no result). */
async function compileSlice(
  input: RepoInput,
  out: RepoOutputs,
  indexed: IndexedRepo,
  slice: Slice,
  where: { file: string; line: number },
): Promise<void> {
  const scenario = scenarioOf(slice);
  const base = buildCustomId(scenario, slice.id);
  const ids = { repo: input.repo, ...where, slice_id: slice.id, custom_id: base };
  const found = sliceResult(input, indexed, scenario, base);
  if (found.kind === 'duplicate') {
    out.fail({ category: 'rejected', reason: DUPLICATE_REASON, code: 'duplicate_id', ...ids });
  } else if (found.kind === 'usable') {
    const source = { batchId: found.batchId, attempt: found.attempt };
    await useAnswer(input, out, slice, scenario, ids, found.result, source);
  } else {
    const ledger = input.fates.open.get(ledgerKey(input.repo, base));
    out.fail({ ...ids, ...classifyMissing({ ...found.missing, ledger }) });
  }
}
