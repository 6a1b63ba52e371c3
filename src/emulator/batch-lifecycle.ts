/**
 * The emulated batch state machine: from a batch's facts and the clock, the next step. Pure.
 *
 *   validating  ── validated, at created + validating_ms ──────────────▶ in_progress
 *   validating  ── invalid input, token limit, injected failure ───────▶ failed
 *   validating  ── cancel ──▶ cancelling ── cancelling_ms ────────────▶ cancelled (no results)
 *   in_progress ── every request done ─▶ finalizing ── results written, finalizing_ms ─▶ completed
 *   in_progress ── completion window ends, or injected expiry ─────────▶ expired (partial results)
 *   in_progress ── cancel ──▶ cancelling ── cancelling_ms, results written ─▶ cancelled (partial)
 *
 * With the built-in responder, request i (from 0) is done at in_progress_at + (i+1)·ms_per_request;
 * with an upstream server, when it answers. Transition times are the scheduled times when the
 * clock has passed them, so a manual clock gives the same timestamps run after run.
 */

import type { BatchStatus } from '../domain/batch-status.ts';

export { BATCH_STATUSES, type BatchStatus } from '../domain/batch-status.ts';

export const TERMINAL_STATUSES: readonly BatchStatus[] = [
  'failed',
  'completed',
  'expired',
  'cancelled',
];

export interface Schedule {
  readonly validatingMs: number;
  readonly msPerRequest: number;
  readonly finalizingMs: number;
  readonly cancellingMs: number;
  /** The completion window (24 h for real). */
  readonly completionWindowMs: number;
}

export const REALISTIC_SCHEDULE: Schedule = {
  validatingMs: 30_000,
  msPerRequest: 200,
  finalizingMs: 30_000,
  cancellingMs: 60_000,
  completionWindowMs: 24 * 3600 * 1000,
};

export interface LifecycleFacts {
  readonly status: BatchStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly inProgressAt: number | null;
  readonly finalizingAt: number | null;
  readonly cancellingAt: number | null;
  readonly validation: 'pending' | 'ok' | 'failed';
  readonly total: number;
  readonly processed: number;
  /** Injected expiry: the batch expires once this many requests are done. */
  readonly expireAfter: number | null;
  readonly upstream: boolean;
  readonly upstreamFinished: boolean;
  /** An effect (validation aside) is running: wait for it. */
  readonly busy: boolean;
  readonly cancelRequested: boolean;
}

export type Step =
  | { readonly kind: 'wait' }
  | { readonly kind: 'fail'; readonly at: number }
  | { readonly kind: 'start'; readonly at: number }
  /** Run requests until `target` are done. */
  | { readonly kind: 'run'; readonly target: number }
  | { readonly kind: 'finalize'; readonly at: number }
  | { readonly kind: 'complete'; readonly at: number }
  | { readonly kind: 'expire'; readonly at: number }
  | { readonly kind: 'begin_cancel'; readonly at: number }
  | { readonly kind: 'end_cancel'; readonly at: number };

const WAIT: Step = { kind: 'wait' };

/** Requests done by time t (built-in responder). */
function doneBy(f: LifecycleFacts, s: Schedule, t: number): number {
  if (f.inProgressAt === null || t < f.inProgressAt) return 0;
  if (s.msPerRequest <= 0) return f.total;
  return Math.min(f.total, Math.floor((t - f.inProgressAt) / s.msPerRequest));
}

export function nextStep(f: LifecycleFacts, now: number, s: Schedule): Step {
  if (f.busy) return WAIT;
  switch (f.status) {
    case 'validating': {
      if (f.cancelRequested) return { kind: 'begin_cancel', at: now };
      if (f.validation === 'pending') return WAIT;
      const at = f.createdAt + s.validatingMs;
      if (now < at) return WAIT;
      return f.validation === 'failed' ? { kind: 'fail', at } : { kind: 'start', at };
    }
    case 'in_progress': {
      if (f.cancelRequested) return { kind: 'begin_cancel', at: now };
      const inProgressAt = f.inProgressAt ?? now;
      if (f.upstream) {
        if (f.upstreamFinished) return { kind: 'finalize', at: now };
        if (now >= f.expiresAt) return { kind: 'expire', at: now };
        return { kind: 'run', target: f.total };
      }
      // Injected expiry part-way: the window "ends" once expireAfter requests are done.
      if (f.expireAfter !== null && f.expireAfter < f.total) {
        const expireAt = inProgressAt + f.expireAfter * s.msPerRequest;
        if (now >= expireAt) {
          if (f.processed < f.expireAfter) return { kind: 'run', target: f.expireAfter };
          return { kind: 'expire', at: Math.min(expireAt, f.expiresAt) };
        }
      }
      if (now >= f.expiresAt) {
        const target = doneBy(f, s, f.expiresAt);
        if (target < f.total) {
          if (f.processed < target) return { kind: 'run', target };
          return { kind: 'expire', at: f.expiresAt };
        }
      }
      const target = doneBy(f, s, now);
      if (f.processed < target) return { kind: 'run', target };
      if (f.processed >= f.total) {
        return { kind: 'finalize', at: Math.min(now, inProgressAt + f.total * s.msPerRequest) };
      }
      return WAIT;
    }
    case 'finalizing': {
      const at = (f.finalizingAt ?? now) + s.finalizingMs;
      return now >= at ? { kind: 'complete', at } : WAIT;
    }
    case 'cancelling': {
      const at = (f.cancellingAt ?? now) + s.cancellingMs;
      return now >= at ? { kind: 'end_cancel', at } : WAIT;
    }
    case 'failed':
    case 'completed':
    case 'expired':
    case 'cancelled':
      return WAIT;
  }
}
