/**
 * Why a slice of the reviewed files has no record in the dataset. The failures report lists
 * every slice line without a usable result, each under exactly one category, with its reason.
 * Pure.
 *
 *   rejected        its line cannot be used as a slice: the rejects report of `process` says why
 *                   (not JSON, a missing field, a duplicate id, a request too large, ...), or the
 *                   same checks made here on a line `process` has not read yet
 *   final           sent, and no usable result will come: rejected by the API (a 4xx), content
 *                   unparseable or off-schema after retry.max_attempts, its batch failed
 *                   validation, or was cancelled by a person (the ledger's reason)
 *   ungrounded      its scenario 1 answer quotes code the slice does not have (a code_reference
 *                   or a backticked identifier), also after grounding.max_retries more tries
 *                   (the ledger's reason says what was not found)
 *   refused         the model would not answer: a refusal (`message.refusal`, a `refusal`
 *                   content part) or an answer the content filter stopped; not sent again
 *   empty_answer    the answer has the right structure but its texts are blank: nothing to
 *                   train on (it is not sent again)
 *   excluded_by_reviewer  a reviewer left its answer out (the review page; the reason given)
 *   over_token_limit  chat format: the example holds more tokens than the training-example
 *                   limit of the model to be fine-tuned (fine-tuning-checks.ts; OpenAI would
 *                   truncate it)
 *   fine_tuning_format  chat format: the example fails OpenAI's fine-tuning format checks
 *   pending         a result may still come: the request waits to be sent again (a transient
 *                   failure, an expired batch, unparseable content with attempts left), or its
 *                   batch has not ended, or has ended and its results are not handled yet
 *   not_submitted   converted, but its batch input file is not submitted yet: waiting for the
 *                   next submission round, the enqueued-token budget or a token-limit backoff,
 *                   stopped by limits.max_cost_usd, or its submission failed for good
 *   not_converted   in no batch input file: over the --max-scenario1/2 caps, or added to the
 *                   inbox after the last conversion
 */
import type { OpenFate } from '../domain/ledger.ts';
import { isUngroundedReason } from '../domain/grounding-reason.ts';
import { isRefusedReason } from '../domain/refusal-reason.ts';

export const FAILURE_CATEGORIES = {
  rejected: 'rejected',
  final: 'final',
  ungrounded: 'ungrounded',
  refused: 'refused',
  empty_answer: 'empty_answer',
  excluded_by_reviewer: 'excluded_by_reviewer',
  over_token_limit: 'over_token_limit',
  fine_tuning_format: 'fine_tuning_format',
  pending: 'pending',
  not_submitted: 'not_submitted',
  not_converted: 'not_converted',
} as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[keyof typeof FAILURE_CATEGORIES];
export const FAILURE_CATEGORY_LIST = Object.values(FAILURE_CATEGORIES);

/** One line of `failures_<ts>.jsonl`. */
export interface FailureEntry {
  readonly category: FailureCategory;
  readonly reason: string;
  /** The repo folder ('' for the top of the inbox). */
  readonly repo: string;
  /** The reviewed-slice file (relative to the data folder when inside it) and its line. */
  readonly file: string;
  readonly line: number;
  readonly slice_id?: string;
  /** `scenario1_<slice id>` / `scenario2_<slice id>`, without an attempt suffix. */
  readonly custom_id?: string;
  /** The rejects report's code, for rejected lines. */
  readonly code?: string;
  readonly batch_id?: string;
  readonly attempt?: number;
  /** A `duplicate` (rejects report): the slice kept, which was sent instead. */
  readonly duplicate_of?: {
    readonly id: string;
    readonly file: string;
    readonly line: number;
    readonly repo: string;
  };
}

/** The entry as a JSONL line, its keys in a fixed order (category and reason first). */
export function failureLine(e: FailureEntry): string {
  const ordered: FailureEntry = {
    category: e.category,
    reason: e.reason,
    repo: e.repo,
    file: e.file,
    line: e.line,
    ...(e.slice_id === undefined ? {} : { slice_id: e.slice_id }),
    ...(e.custom_id === undefined ? {} : { custom_id: e.custom_id }),
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.batch_id === undefined ? {} : { batch_id: e.batch_id }),
    ...(e.attempt === undefined ? {} : { attempt: e.attempt }),
    ...(e.duplicate_of === undefined ? {} : { duplicate_of: e.duplicate_of }),
  };
  return `${JSON.stringify(ordered)}\n`;
}

/** Where the batch input file holding a slice's request stands (its batch not finished). */
export type InputFileStanding =
  | { readonly kind: 'not_submitted'; readonly reason: string }
  | { readonly kind: 'in_batch'; readonly batchId: string; readonly reason: string };

/** What is known of a slice that has no usable result. */
export interface MissingResult {
  /** Its latest result line, when there is one and it is not usable: why. */
  readonly resultReason?: string | undefined;
  /** Its latest fate in the ledger, when not usable. */
  readonly ledger?: OpenFate | undefined;
  /** The unfinished batch input file holding its latest request, if any. */
  readonly inputFile?: InputFileStanding | undefined;
  /** Its latest result, of a handled batch, has no fate in the ledger. */
  readonly unrecorded?: { readonly batchId: string; readonly attempt: number } | undefined;
}

export interface Classified {
  readonly category: FailureCategory;
  readonly reason: string;
  readonly batch_id?: string;
  readonly attempt?: number;
}

/**
 * The category and reason of a slice without a usable result. The ledger decides first (it
 * records every request of every handled batch); then the batch input file its latest request
 * is in; then a result the ledger has no fate for (its record lost), or one that cannot be read;
 * else it was never converted.
 */
export function classifyMissing(m: MissingResult): Classified {
  if (m.ledger !== undefined) {
    const { batch_id, attempt, reason } = m.ledger;
    if (m.ledger.fate === 'final') {
      const category = isUngroundedReason(reason)
        ? 'ungrounded'
        : isRefusedReason(reason)
          ? 'refused'
          : 'final';
      return { category, reason, batch_id, attempt };
    }
    const next = m.inputFile === undefined ? '' : `; attempt ${attempt + 1}: ${m.inputFile.reason}`;
    return {
      category: 'pending',
      reason: `to be sent again after attempt ${attempt} (${reason})${next}`,
      batch_id,
      attempt,
    };
  }
  if (m.inputFile?.kind === 'in_batch') {
    return { category: 'pending', reason: m.inputFile.reason, batch_id: m.inputFile.batchId };
  }
  if (m.inputFile?.kind === 'not_submitted') {
    return { category: 'not_submitted', reason: m.inputFile.reason };
  }
  if (m.unrecorded !== undefined) {
    const { batchId, attempt } = m.unrecorded;
    return {
      category: 'final',
      reason: `its result (batch ${batchId}, attempt ${attempt}) has no fate in the ledger`,
      batch_id: batchId,
      attempt,
    };
  }
  if (m.resultReason !== undefined) {
    return { category: 'final', reason: `its result cannot be read: ${m.resultReason}` };
  }
  return {
    category: 'not_converted',
    reason:
      'in no batch input file: over the --max-scenario1/2 caps (limits.max_scenario1/2), or added after the last conversion',
  };
}
