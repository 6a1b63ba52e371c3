/**
 * The ledger's words for an ended batch, pure: a request's fate as a ledger record, and the
 * reason given to every request of a batch that failed validation.
 */
import type { JobRecord } from '../jobs/job-record.ts';
import type { LedgerRecord } from '../domain/ledger.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import type { Fate } from './request-fate.ts';

/** A ledger record for request `index` (`customId` as sent), `results` the file of a usable one. */
export type FateRecorder = (
  customId: string,
  index: number,
  fate: Fate,
  results?: string,
) => LedgerRecord;

export function fateRecorder(
  job: JobRecord,
  sourceOf: (index: number) => string | undefined,
  now: () => number,
): FateRecorder {
  return (customId, index, fate, results) => {
    const { base, attempt } = parseCustomId(customId, job.request_attempt);
    const source = sourceOf(index);
    return {
      t: 'fate',
      repo: job.repo,
      ...(source === undefined ? {} : { source }),
      custom_id: base,
      attempt,
      batch_id: job.batch_id,
      fate: fate.kind,
      ...(fate.kind === 'usable' ? {} : { reason: fate.reason }),
      ...(results === undefined ? {} : { results }),
      at: now(),
    };
  };
}

/** Why no request of a batch that failed validation is retried (its first three errors). */
export function validationReason(errors: JobRecord['errors']): string {
  const told = (errors ?? []).map(
    (e) => `${e.code ?? 'error'}${e.line != null ? ` (line ${e.line})` : ''}: ${e.message ?? ''}`,
  );
  return `the batch failed validation: ${told.slice(0, 3).join('; ') || 'no reason given'}`;
}
