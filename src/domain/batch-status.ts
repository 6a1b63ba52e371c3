/**
 * The statuses of a batch (OpenAI Batch API), and the sets slicebatch decides by.
 *
 *   validating ──▶ in_progress ──▶ finalizing ──▶ completed
 *       │   │           │  │
 *       │   │           │  └──▶ expired (the 24 h window ended)
 *       │   └──▶ failed │
 *       │   (validation)│
 *       └───────────────┴──▶ cancelling ──▶ cancelled (cancelling takes up to 10 minutes)
 *
 * Terminal: completed, failed, expired, cancelled (results, if any, can be downloaded; the
 * batch never moves again). Holding tokens: validating, in_progress, finalizing, cancelling
 * (the batch's prompt tokens count against the organisation's enqueued-token limit).
 */

/** The statuses of the Batch API (the emulator's and the answers' alike). */
export const BATCH_STATUSES = [
  'validating',
  'failed',
  'in_progress',
  'finalizing',
  'completed',
  'expired',
  'cancelling',
  'cancelled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const TERMINAL_BATCH_STATUSES = ['completed', 'failed', 'expired', 'cancelled'] as const;

export function isTerminal(status: string): boolean {
  return (TERMINAL_BATCH_STATUSES as readonly string[]).includes(status);
}

/** Batch statuses that hold enqueued tokens (admitted and not finished). */
export const ENQUEUED_STATUSES = ['validating', 'in_progress', 'finalizing', 'cancelling'] as const;

export function holdsTokens(status: string): boolean {
  return (ENQUEUED_STATUSES as readonly string[]).includes(status);
}
