/**
 * One repo folder of the dataset, streamed:
 *
 *   1. index the 200 answers of its finished batches (results files: base custom_id → file,
 *      offset, length of the latest attempt) and the requests of its unfinished batch input
 *      files (→ the file, and where it stands), in a compact table (result-index.ts);
 *   2. read its reviewed-slice files in order, each alongside its rejects report; look each
 *      slice up, read its result line back by offset, and write its record into the processed
 *      file of its scenario, or its failure (with the reason) into the failures report;
 *   3. read the answers no slice took (slices removed from the inbox) to count them.
 *
 * What stays after the folder is done: per record its split entry (dataset-split.ts).
 */
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type { Requirement } from '../domain/slice-fields.ts';
import { chooseRequirement } from '../domain/slice-fields.ts';
import { rejectsReportName } from '../domain/file-names.ts';
import { customIdOfLine } from '../convert/converted-slices.ts';
import { scenarioOf } from '../convert/request-builder.ts';
import type { Scenario, Scenario1AnswerT, Scenario2AnswerT } from '../domain/answer-schemas.ts';
import { buildCustomId, parseCustomId } from '../domain/custom-id.ts';
import { InputFileError } from '../errors.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { parseSliceLine } from '../domain/parse-slice.ts';
import type { Slice } from '../domain/slice-schema.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { ledgerKey, type OpenFate } from '../domain/ledger.ts';
import { answerOf } from '../poll/request-fate.ts';
import { isExcluded, type ReviewDecision } from '../domain/review-journal.ts';
import type { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import type { ListedFile } from '../storage/list-files.ts';
import type { BatchInputFile } from '../submit/batch-input-files.ts';
import { splitKey, type SplitRecords } from './dataset-split.ts';
import type { StatisticsCounter } from './dataset-statistics.ts';
import {
  classifyMissing,
  type FailureEntry,
  type InputFileStanding,
} from './failure-categories.ts';
import type { PositionalReader } from './positional-reader.ts';
import { formatRecord, type DatasetFormat, type RecordMetadata } from './record-format.ts';
import { blankAnswer, scenario1Text, scenario2Text } from './record-text.ts';
import { openRejectsCursor } from './rejects-cursor.ts';
import type { ResultIndex } from './result-index.ts';
import { scanResultLines } from './result-lines.ts';

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
  readonly ledgerOpen: ReadonlyMap<string, OpenFate>;
  /** Answers a reviewer excluded (review-journal.ts). */
  readonly excluded?: ReadonlyMap<string, ReviewDecision>;
  readonly format: DatasetFormat;
  readonly trainRatio: number;
  readonly seed: number;
  readonly requirements: readonly Requirement[];
  readonly display: (path: string) => string;
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

type IndexedFile =
  | {
      readonly kind: 'results';
      readonly path: string;
      readonly batchId: string;
      /** The attempt of the requests of its batch (to read ids of older versions). */
      readonly requestAttempt: number;
    }
  | { readonly kind: 'input'; readonly standing: InputFileStanding };

type ReadResult =
  | {
      readonly kind: 'usable';
      readonly answer: unknown;
      readonly attempt: number;
      readonly reasoningSummary?: string | undefined;
    }
  | { readonly kind: 'unusable'; readonly reason: string }
  /** Not the line of this slice (a fingerprint collision): as if there were none. */
  | { readonly kind: 'other' };

const DUPLICATE_REASON = 'duplicate id: an earlier line of this repo folder has the same id';

export async function compileRepo(input: RepoInput, out: RepoOutputs): Promise<void> {
  const { repo } = input;
  const { stats, index } = out;
  index.reset(
    input.jobs.reduce((n, j) => n + (j.request_counts?.completed ?? j.requests), 0) +
      input.openInputs.reduce((n, f) => n + f.file.manifest.requests, 0),
  );
  const files: IndexedFile[] = [];

  // 1. The index.
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

  const readResult = (slot: number, base: string, scenario: Scenario): ReadResult => {
    const entry = index.entry(slot);
    const file = files[entry.file] as Extract<IndexedFile, { kind: 'results' }>;
    const text = out.reader.read(file.path, entry.offset, entry.length).toString('utf8');
    let line: { custom_id?: unknown; response?: { status_code?: unknown; body?: unknown } | null };
    try {
      line = JSON.parse(text) as typeof line;
    } catch (err) {
      return { kind: 'unusable', reason: `its result line is not JSON: ${(err as Error).message}` };
    }
    if (typeof line.custom_id !== 'string') return { kind: 'other' };
    const { base: lineBase, attempt } = parseCustomId(line.custom_id, file.requestAttempt);
    if (lineBase !== base) return { kind: 'other' };
    const outcome = answerOf(line.response?.body, scenario);
    return outcome.kind === 'usable'
      ? {
          kind: 'usable',
          answer: outcome.answer,
          attempt,
          reasoningSummary: outcome.reasoningSummary,
        }
      : { kind: 'unusable', reason: outcome.reason };
  };

  const writeRecord = async (
    slice: Slice,
    scenario: Scenario,
    answer: unknown,
    meta: { attempt: number; batchId: string; reasoningSummary?: string | undefined },
  ): Promise<void> => {
    const requirement =
      slice.type === 'class' ? chooseRequirement(slice.id, input.requirements) : undefined;
    const text =
      slice.type === 'function'
        ? scenario1Text(slice, answer as Scenario1AnswerT)
        : scenario2Text(slice, requirement!, answer as Scenario2AnswerT);
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
  };

  const compileSlice = async (slice: Slice, where: { file: string; line: number }) => {
    const scenario = scenarioOf(slice);
    const base = buildCustomId(scenario, slice.id);
    const ids = { repo, ...where, slice_id: slice.id, custom_id: base };
    const slot = index.find(base);
    let resultReason: string | undefined;
    let inputFile: InputFileStanding | undefined;
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
        const result = readResult(slot, base, scenario);
        if (result.kind === 'usable') {
          stats.usable();
          const blank = blankAnswer(
            slice.type === 'function'
              ? { scenario: 'scenario1', value: result.answer as Scenario1AnswerT }
              : { scenario: 'scenario2', value: result.answer as Scenario2AnswerT },
          );
          if (blank !== undefined) {
            const extra = { batch_id: file.batchId, attempt: result.attempt };
            out.fail({ category: 'empty_answer', reason: blank, ...ids, ...extra });
            return;
          }
          const excluded = isExcluded(input.excluded ?? new Map(), repo, base, result.attempt);
          if (excluded !== undefined) {
            out.fail({
              category: 'excluded_by_reviewer',
              reason: `excluded by a reviewer at ${excluded.at}: ${excluded.reason}`,
              ...ids,
              batch_id: file.batchId,
              attempt: result.attempt,
            });
            return;
          }
          await writeRecord(slice, scenario, result.answer, {
            attempt: result.attempt,
            batchId: file.batchId,
            reasoningSummary: result.reasoningSummary,
          });
          return;
        }
        if (result.kind === 'unusable') resultReason = result.reason;
      }
    }
    const ledger = input.ledgerOpen.get(ledgerKey(repo, base));
    out.fail({ ...ids, ...classifyMissing({ resultReason, ledger, inputFile }) });
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
  for (const slot of index.slots()) {
    const entry = index.entry(slot);
    const file = files[entry.file]!;
    if (entry.used || file.kind !== 'results') continue;
    const text = out.reader.read(file.path, entry.offset, entry.length).toString('utf8');
    let line: { custom_id?: unknown; response?: { body?: unknown } | null };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    if (typeof line.custom_id !== 'string') continue;
    const { scenario } = parseCustomId(line.custom_id, file.requestAttempt);
    if (answerOf(line.response?.body, scenario).kind === 'usable') {
      stats.usable();
      stats.orphan();
    }
  }
}
