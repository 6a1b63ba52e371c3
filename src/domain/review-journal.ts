/**
 * The reviewers' decisions, journaled in `.slicebatch/review.jsonl` (append-only, fsynced, one
 * JSON record a line): which slice, when, why, by which page. The web page appends; compile
 * honours exclusions (category `excluded_by_reviewer`); the daemon turns a resend into a new
 * attempt through its submission queue and notes it in `.slicebatch/resends.jsonl`.
 *
 *   exclude   leave attempt `attempt`'s answer (and earlier ones) out of the dataset
 *   include   undo an exclusion
 *   resend    send the slice again as attempt `attempt + 1`
 */
import { join } from 'node:path';
import { openJournal } from '../storage/journal.ts';
import { readLedger } from './ledger.ts';

export const REVIEW_FILE = 'review.jsonl';
export const RESENDS_FILE = 'resends.jsonl';

export interface ReviewDecision {
  readonly t: 'exclude' | 'include' | 'resend';
  /** The repo folder ('' for the top of the inbox). */
  readonly repo: string;
  /** `scenario1_<slice id>` / `scenario2_<slice id>`, without an attempt suffix. */
  readonly custom_id: string;
  /** The attempt the decision was taken on (its answer excluded, or resent after). */
  readonly attempt: number;
  readonly reason: string;
  /** ISO time of the decision. */
  readonly at: string;
}

/** The daemon's note that a resend became a batch input file (so it is done once). */
export interface ResendDone {
  readonly t: 'resent';
  readonly repo: string;
  readonly custom_id: string;
  /** The attempt written. */
  readonly attempt: number;
  /** The batch input file written (relative to the data folder), or why none was. */
  readonly file: string | null;
  readonly reason?: string;
  readonly at: string;
}

export function reviewKey(repo: string, customId: string): string {
  return `${repo}\u0000${customId}`;
}

/** Reads a journal of JSON lines, streamed; a torn last line is skipped, no file is none. */
export async function* readReviewJournal<T>(path: string): AsyncGenerator<T> {
  // The ledger's reader: streamed, torn lines skipped.
  for await (const r of readLedger(path)) yield r as unknown as T;
}

/** The exclusions in force, from the journal (memory follows the decisions, not the slices). */
export async function readExclusions(stateDir: string): Promise<Map<string, ReviewDecision>> {
  const excluded = new Map<string, ReviewDecision>();
  for await (const d of readReviewJournal<ReviewDecision>(join(stateDir, REVIEW_FILE))) {
    const key = reviewKey(d.repo, d.custom_id);
    if (d.t === 'exclude') {
      const prev = excluded.get(key);
      if (prev === undefined || prev.attempt <= d.attempt) excluded.set(key, d);
    } else if (d.t === 'include') {
      const prev = excluded.get(key);
      if (prev !== undefined && prev.attempt <= d.attempt) excluded.delete(key);
    }
  }
  return excluded;
}

/** Whether an answer of `attempt` is excluded by a reviewer. */
export function isExcluded(
  excluded: ReadonlyMap<string, ReviewDecision>,
  repo: string,
  customId: string,
  attempt: number,
): ReviewDecision | undefined {
  const d = excluded.get(reviewKey(repo, customId));
  return d !== undefined && attempt <= d.attempt ? d : undefined;
}

export interface ReviewJournal {
  append(decision: ReviewDecision): Promise<void>;
  close(): Promise<void>;
}

/** Opens the journal for appending (one writer per process; appends are single writes). */
export async function openReviewJournal(stateDir: string): Promise<ReviewJournal> {
  const journal = await openJournal<ReviewDecision>(join(stateDir, REVIEW_FILE));
  return { append: (d) => journal.append(d), close: () => journal.close() };
}
