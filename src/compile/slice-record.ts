/**
 * A usable answer into the dataset: refused when blank, excluded by a reviewer, or rejected by
 * the fine-tuning checks (the failure it is, with its batch and attempt); else its record is
 * written to the processed file of its scenario, with its split entry and counts. The record's
 * text and metadata are decided apart from the writing (`recordOf`, pure).
 */
import type { Scenario, Scenario1AnswerT, Scenario2AnswerT } from '../domain/answer-schemas.ts';
import { buildCustomId } from '../domain/custom-id.ts';
import { isExcluded } from '../domain/review-journal.ts';
import { chooseRequirement } from '../domain/slice-fields.ts';
import type { Slice } from '../domain/slice-schema.ts';
import type { RepoInput, RepoOutputs } from './repo-terms.ts';
import { splitKey } from './dataset-split.ts';
import type { FailureEntry } from './failure-categories.ts';
import type { FineTuningVerdict } from './fine-tuning-checks.ts';
import { chatMessages, formatRecord, type RecordMetadata } from './record-format.ts';
import { blankAnswer, scenario1Text, scenario2Text } from './record-text.ts';
import type { UsableResult } from './slice-result.ts';

/** The slice's place: repo folder, file, line, ids. */
export type SliceIds = Pick<FailureEntry, 'repo' | 'file' | 'line' | 'slice_id'> & {
  custom_id: string;
};

export interface AnswerSource {
  readonly batchId: string;
  readonly attempt: number;
}

/** A record to write, or the fine-tuning checks' verdict against it (pure). */
export function recordOf(
  input: RepoInput,
  slice: Slice,
  scenario: Scenario,
  result: UsableResult,
  source: AnswerSource,
):
  | {
      readonly kind: 'record';
      readonly head: string;
      readonly tail: string;
      readonly steps: number;
    }
  | { readonly kind: 'refused'; readonly verdict: FineTuningVerdict } {
  const requirement =
    slice.type === 'class' ? chooseRequirement(slice.id, input.requirements) : undefined;
  const text =
    slice.type === 'function'
      ? scenario1Text(slice, result.answer as Scenario1AnswerT)
      : scenario2Text(slice, requirement!, result.answer as Scenario2AnswerT);
  const verdict = input.fineTuning?.check({ messages: chatMessages(text, scenario) });
  if (verdict !== undefined) return { kind: 'refused', verdict };
  const metadata: RecordMetadata = {
    custom_id: buildCustomId(scenario, slice.id),
    scenario,
    repo: input.repo,
    slice_id: slice.id,
    file_path: slice.file_path,
    name: slice.name,
    complexity: slice.complexity,
    attempt: source.attempt,
    batch_id: source.batchId,
    ...(requirement === undefined ? {} : { requirement: requirement.title }),
    ...(result.reasoningSummary === undefined
      ? {}
      : { reasoning_summary: result.reasoningSummary }),
  };
  const steps =
    slice.type === 'function'
      ? (result.answer as Scenario1AnswerT).reasoning_trace.steps.length
      : (result.answer as Scenario2AnswerT).reasoning_trace.analysis_steps.length;
  return { kind: 'record', ...formatRecord(input.format, text, metadata), steps };
}

/** Why a usable answer gives no record before it is formatted (blank, excluded), if it does not. */
export function answerRefusal(
  input: RepoInput,
  slice: Slice,
  customId: string,
  result: UsableResult,
  attempt: number,
): Pick<FailureEntry, 'category' | 'reason'> | undefined {
  const blank = blankAnswer(
    slice.type === 'function'
      ? { scenario: 'scenario1', value: result.answer as Scenario1AnswerT }
      : { scenario: 'scenario2', value: result.answer as Scenario2AnswerT },
  );
  if (blank !== undefined) return { category: 'empty_answer', reason: blank };
  const excluded = isExcluded(input.excluded ?? new Map(), input.repo, customId, attempt);
  if (excluded === undefined) return undefined;
  return {
    category: 'excluded_by_reviewer',
    reason: `excluded by a reviewer at ${excluded.at}: ${excluded.reason}`,
  };
}

/** A usable answer: its record written, or the failure it is. */
export async function useAnswer(
  input: RepoInput,
  out: RepoOutputs,
  slice: Slice,
  scenario: Scenario,
  ids: SliceIds,
  result: UsableResult,
  source: AnswerSource,
): Promise<void> {
  out.stats.usable();
  const extra = { batch_id: source.batchId, attempt: source.attempt };
  const refusal = answerRefusal(input, slice, ids.custom_id, result, source.attempt);
  if (refusal !== undefined) return out.fail({ ...refusal, ...ids, ...extra });
  const record = recordOf(input, slice, scenario, result, source);
  if (record.kind === 'refused') return out.fail({ ...record.verdict, ...ids, ...extra });
  const processed = await out.processed(scenario);
  const head = processed.file.appendText(record.head);
  if (record.tail !== '') processed.file.appendText(record.tail);
  processed.records++;
  out.split.add(
    splitKey(input.repo, slice.id, input.seed, input.trainRatio),
    processed.number,
    head.offset,
    head.bytes,
  );
  out.stats.record(input.repo, scenario, record.steps);
}
