/**
 * One line of the rejects report of a reviewed-slice file (`<name>.rejects.jsonl` in the batch
 * input stage): a line that could not be used as a slice, and why. Written by convert
 * (rejects-report.ts), read by compile (its failures report) and status.
 */
import type { RejectCode } from './parse-slice.ts';

export interface RejectEntry {
  readonly file: string;
  readonly line: number;
  readonly code: RejectCode;
  readonly reason: string;
  readonly field?: string;
  readonly id?: string;
  /** A `duplicate`: the slice kept, which was sent instead (convert/duplicate-gate.ts). */
  readonly duplicate_of?: {
    readonly id: string;
    readonly file: string;
    readonly line: number;
    readonly repo: string;
  };
  /** A near `duplicate`: the estimated similarity to the slice kept (0 to 1). */
  readonly similarity?: number;
}
