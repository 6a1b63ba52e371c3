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
 */
import { basename, join } from 'node:path';
import type { Requirement } from '../domain/slice-fields.ts';
import { chooseRequirement } from '../domain/slice-fields.ts';
import { rejectsReportName } from '../domain/file-names.ts';
import type { Scenario, Scenario1AnswerT, Scenario2AnswerT } from '../domain/answer-schemas.ts';
import { buildCustomId, scenarioOf } from '../domain/custom-id.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { parseSliceLine } from '../domain/parse-slice.ts';
import type { Slice } from '../domain/slice-schema.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { ledgerKey } from '../domain/ledger.ts';
import { resultFate, type LedgerFates } from '../domain/ledger-fates.ts';
import { answerOf } from '../poll/request-fate.ts';
import { isExcluded, type ReviewDecision } from '../domain/review-journal.ts';
import type { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import type { ListedFile } from '../storage/list-files.ts';
import type { BatchInputFile } from '../domain/batch-input-manifest.ts';
import { splitKey, type SplitRecords } from './dataset-split.ts';
import type { StatisticsCounter } from './dataset-statistics.ts';
import {
  classifyMissing,
  type FailureEntry,
  type InputFileStanding,
} from './failure-categories.ts';
import type { PositionalReader } from './positional-reader.ts';
import type { FineTuningChecks, FineTuningVerdict } from './fine-tuning-checks.ts';
import {
  chatMessages,
  formatRecord,
  type DatasetFormat,
  type RecordMetadata,
} from './record-format.ts';
import { blankAnswer, scenario1Text, scenario2Text } from './record-text.ts';
import { openRejectsCursor } from './rejects-cursor.ts';
import type { ResultIndex } from './result-index.ts';
import { countOrphans, indexRepo, readResultLine } from './repo-index.ts';

/** Whether the ledger's latest fate of a slice says its answer of `attempt` is ungrounded. */

/** A processed file being written, with its number among all processed files. */
export interface ProcessedOutput {
  readonly file: AtomicStreamFile;
  readonly number: number;
  records: number;
}

export interface RepoInput {
  readonly repo: string;
  readonly dataDir: string;
  readonly batchInputDir: string;
  /** Its reviewed-slice files, in order. */
  readonly reviewed: readonly ListedFile[];
  /** Its finished jobs with a results file. */
  readonly jobs: readonly JobRecord[];
  /** Its batch input files whose batch is not finished, with where each stands. */
  readonly openInputs: readonly { file: BatchInputFile; standing: InputFileStanding }[];
  /** Every request's latest fate (the ledger's): whether its result is usable, and why not. */
  readonly fates: LedgerFates;
  /** Answers a reviewer excluded (review-journal.ts). */
  readonly excluded?: ReadonlyMap<string, ReviewDecision>;
  readonly format: DatasetFormat;
  readonly trainRatio: number;
  readonly seed: number;
  readonly requirements: readonly Requirement[];
  readonly display: (path: string) => string;
  /** The chat format: OpenAI's fine-tuning checks; an example they reject is not written. */
  readonly fineTuning?: FineTuningChecks | undefined;
}

export interface RepoOutputs {
  readonly processed: (scenario: Scenario) => Promise<ProcessedOutput>;
  /** Writes after each read chunk (the outputs' full buffers). */
  readonly flush: () => Promise<void>;
  readonly fail: (entry: FailureEntry) => void;
  readonly split: SplitRecords;
  readonly stats: StatisticsCounter;
  readonly reader: PositionalReader;
  /** The index, reused from folder to folder. */
  readonly index: ResultIndex;
}

const DUPLICATE_REASON = 'duplicate id: an earlier line of this repo folder has the same id';

export async function compileRepo(input: RepoInput, out: RepoOutputs): Promise<void> {
  const { repo } = input;
  const { stats, index } = out;

  // 1. The index.
  const files = await indexRepo(input, index, stats);

  const writeRecord = async (
    slice: Slice,
    scenario: Scenario,
    answer: unknown,
    meta: { attempt: number; batchId: string; reasoningSummary?: string | undefined },
  ): Promise<FineTuningVerdict | undefined> => {
    const requirement =
      slice.type === 'class' ? chooseRequirement(slice.id, input.requirements) : undefined;
    const text =
      slice.type === 'function'
        ? scenario1Text(slice, answer as Scenario1AnswerT)
        : scenario2Text(slice, requirement!, answer as Scenario2AnswerT);
    const verdict = input.fineTuning?.check({ messages: chatMessages(text, scenario) });
    if (verdict !== undefined) return verdict;
    const metadata: RecordMetadata = {
      custom_id: buildCustomId(scenario, slice.id),
      scenario,
      repo,
      slice_id: slice.id,
      file_path: slice.file_path,
      name: slice.name,
      complexity: slice.complexity,
      attempt: meta.attempt,
      batch_id: meta.batchId,
      ...(requirement === undefined ? {} : { requirement: requirement.title }),
      ...(meta.reasoningSummary === undefined ? {} : { reasoning_summary: meta.reasoningSummary }),
    };
    const record = formatRecord(input.format, text, metadata);
    const processed = await out.processed(scenario);
    const head = processed.file.appendText(record.head);
    if (record.tail !== '') processed.file.appendText(record.tail);
    processed.records++;
    out.split.add(
      splitKey(repo, slice.id, input.seed, input.trainRatio),
      processed.number,
      head.offset,
      head.bytes,
    );
    const steps =
      slice.type === 'function'
        ? (answer as Scenario1AnswerT).reasoning_trace.steps.length
        : (answer as Scenario2AnswerT).reasoning_trace.analysis_steps.length;
    stats.record(repo, scenario, steps);
    return undefined;
  };

  /** A usable answer: its record, or the reason it has none (blank, excluded by a reviewer). */
  const useAnswer = async (
    slice: Slice,
    scenario: Scenario,
    ids: Pick<FailureEntry, 'repo' | 'file' | 'line' | 'slice_id'> & { custom_id: string },
    result: { answer: unknown; reasoningSummary?: string | undefined },
    meta: { batchId: string; attempt: number },
  ): Promise<void> => {
    stats.usable();
    const extra = { batch_id: meta.batchId, attempt: meta.attempt };
    const blank = blankAnswer(
      slice.type === 'function'
        ? { scenario: 'scenario1', value: result.answer as Scenario1AnswerT }
        : { scenario: 'scenario2', value: result.answer as Scenario2AnswerT },
    );
    if (blank !== undefined) {
      out.fail({ category: 'empty_answer', reason: blank, ...ids, ...extra });
      return;
    }
    const excluded = isExcluded(input.excluded ?? new Map(), repo, ids.custom_id, meta.attempt);
    if (excluded !== undefined) {
      out.fail({
        category: 'excluded_by_reviewer',
        reason: `excluded by a reviewer at ${excluded.at}: ${excluded.reason}`,
        ...ids,
        ...extra,
      });
      return;
    }
    const left = await writeRecord(slice, scenario, result.answer, {
      ...meta,
      reasoningSummary: result.reasoningSummary,
    });
    if (left !== undefined) out.fail({ ...left, ...ids, ...extra });
  };

  const compileSlice = async (slice: Slice, where: { file: string; line: number }) => {
    const scenario = scenarioOf(slice);
    const base = buildCustomId(scenario, slice.id);
    const ids = { repo, ...where, slice_id: slice.id, custom_id: base };
    const slot = index.find(base);
    let resultReason: string | undefined;
    let inputFile: InputFileStanding | undefined;
    let unrecorded: { batchId: string; attempt: number } | undefined;
    if (slot !== -1) {
      const entry = index.entry(slot);
      if (entry.used) {
        out.fail({ category: 'rejected', reason: DUPLICATE_REASON, code: 'duplicate_id', ...ids });
        return;
      }
      index.markUsed(slot);
      const file = files[entry.file]!;
      if (file.kind === 'input') {
        inputFile = file.standing;
      } else {
        // The ledger says whether the result is usable; the answer is read only then.
        const line = readResultLine(out.reader, index, files, slot, base);
        const fate =
          line.kind === 'line' ? resultFate(input.fates, repo, base, line.attempt) : undefined;
        if (line.kind === 'line' && fate?.kind === 'usable') {
          const result = answerOf(line.body, scenario);
          if (result.kind === 'usable') {
            const meta = { batchId: file.batchId, attempt: line.attempt };
            return useAnswer(slice, scenario, ids, result, meta);
          }
          resultReason = `usable in the ledger, but ${result.reason}`;
        }
        if (line.kind === 'broken') resultReason = line.reason;
        if (line.kind === 'line' && fate?.kind === 'unrecorded') {
          unrecorded = { batchId: file.batchId, attempt: line.attempt };
        }
      }
    }
    const ledger = input.fates.open.get(ledgerKey(repo, base));
    out.fail({ ...ids, ...classifyMissing({ resultReason, ledger, inputFile, unrecorded }) });
  };

  // 2. The reviewed slices, in order.
  for (const listed of input.reviewed) {
    const file = input.display(listed.path);
    const rejects = openRejectsCursor(
      join(
        input.batchInputDir,
        ...repo.split('/').filter(Boolean),
        rejectsReportName(basename(listed.path)),
      ),
    );
    for await (const raws of readLineBatches(listed.path)) {
      await rejects.loadUpTo(raws[raws.length - 1]!.lineNo);
      for (const raw of raws) {
        stats.line();
        const where = { file, line: raw.lineNo };
        const rejected = rejects.take(raw.lineNo);
        if (rejected !== undefined) {
          out.fail({
            category: 'rejected',
            reason: rejected.reason,
            code: rejected.code,
            repo,
            ...where,
            ...(rejected.id === undefined ? {} : { slice_id: rejected.id }),
            ...(rejected.duplicate_of === undefined ? {} : { duplicate_of: rejected.duplicate_of }),
          });
          continue;
        }
        if (raw.kind !== 'text') {
          const reason =
            raw.kind === 'invalid_utf8'
              ? `not valid UTF-8 (${raw.bytes} bytes)`
              : `line of ${raw.bytes} bytes is longer than the limit`;
          const code = raw.kind === 'invalid_utf8' ? 'invalid_utf8' : 'line_too_long';
          out.fail({ category: 'rejected', reason, code, repo, ...where });
          continue;
        }
        const parsed = parseSliceLine(raw.text);
        if (!parsed.ok) {
          out.fail({
            category: 'rejected',
            reason: parsed.reason,
            code: parsed.code,
            repo,
            ...where,
            ...(parsed.id === undefined ? {} : { slice_id: parsed.id }),
          });
          continue;
        }
        await compileSlice(parsed.slice, where);
      }
      await out.flush();
    }
  }

  // 3. Answers no slice took.
  countOrphans(repo, input.fates, out.reader, index, files, stats);
}
