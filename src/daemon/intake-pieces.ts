/**
 * The intake step's pure pieces (intake-step.ts): which offered files a run takes, the intake
 * log's record of a file taken, the next wait after a failed write, and the sum of a run's
 * conversions.
 */
import type { ConvertSummary, InputToConvert } from '../convert/convert-reviewed-slices.ts';
import type { TakenRecord } from '../intake/intake-log.ts';
import type { Logger } from '../log/logger.ts';
import type { ContentFingerprint } from '../storage/content-fingerprint.ts';
import type { ListedFile } from '../storage/list-files.ts';
import { writeRetryDelayMs, type WriteFault } from '../storage/write-fault.ts';

export interface IntakeResult {
  /** Files converted (in full or their appended lines). */
  readonly files: number;
  readonly slices: number;
  readonly rejected: number;
  /** Slices skipped: sent already (from an earlier read of the file, or another file). */
  readonly alreadySent: number;
  /** Batch input files written. */
  readonly outputs: number;
}

/** Inbox files converted together in one run at most (the rest wait for the next run). */
export const FILES_PER_RUN = 1000;

/** Writing failed (the disk is full, failing, read-only): retried with backoff. */
export interface WriteTrouble extends WriteFault {
  readonly since: number;
  readonly failures: number;
  readonly retryAt: number;
}

/** A file to convert (or its appended part), with the fingerprint of the first look. */
export interface ToConvert {
  readonly input: InputToConvert;
  readonly fp: ContentFingerprint;
}

export type Stat = { readonly size: number; readonly mtimeMs: number };

export const sameStat = (a: Stat | undefined, f: ListedFile): boolean =>
  a !== undefined && a.size === f.size && a.mtimeMs === f.mtimeMs;

/** The intake log's record of a file taken: what the conversion read, or the first look's. */
export function takenRecord(
  t: ToConvert,
  summary: ConvertSummary['inputs'][number] | undefined,
  at: number,
): TakenRecord {
  // What the conversion read, in its own pass; the first look's fingerprint when skipped.
  const fp = summary?.read ?? t.fp;
  return {
    t: 'taken',
    file: t.input.rel,
    repo: t.input.relDir,
    size: fp.size,
    mtime_ms: t.input.mtimeMs,
    ino: t.input.ino,
    sha256: fp.sha256,
    newlines: fp.newlines,
    ends_with_newline: fp.endsWithNewline,
    converted:
      summary === undefined ? 0 : summary.converted.scenario1 + summary.converted.scenario2,
    rejected: summary?.rejected ?? 0,
    already_converted: summary?.alreadyConverted ?? 0,
    at,
  };
}

/** Takes at most FILES_PER_RUN of the offered files out of `offered`, in offer order. */
export function nextBatch(offered: Map<string, ListedFile>): ListedFile[] {
  const batch: ListedFile[] = [];
  for (const [path, f] of offered) {
    if (batch.length === FILES_PER_RUN) break;
    batch.push(f);
    offered.delete(path);
  }
  return batch;
}

/** A failed write, one more time in a row: when it is tried again. */
export function nextWriteTrouble(
  previous: WriteTrouble | undefined,
  fault: WriteFault,
  at: number,
): WriteTrouble {
  const failures = (previous?.failures ?? 0) + 1;
  const retryAt = at + writeRetryDelayMs(failures);
  return { ...fault, since: previous?.since ?? at, failures, retryAt };
}

/** What one intake run did, from the conversions' summaries. */
export interface Tally extends IntakeResult {
  readonly taken: TakenRecord[];
}

/** Adds up the conversions' summaries; names each file that changed while it was read. */
export function tally(
  done: readonly ConvertSummary[],
  byName: ReadonlyMap<string, ToConvert>,
  at: number,
  log: Logger,
): Tally {
  let slices = 0;
  let rejected = 0;
  let alreadySent = 0;
  let outputs = 0;
  const taken: TakenRecord[] = [];
  for (const summary of done) {
    outputs += summary.outputs.length;
    for (const input of summary.inputs) {
      const t = byName.get(input.file);
      if (t !== undefined) {
        taken.push(takenRecord(t, input, at));
        if (input.read.sha256 !== t.fp.sha256) {
          log.warn(
            { file: input.file, size: input.read.size, sizeBefore: t.fp.size },
            `${input.file} changed while it was read (${t.fp.size} bytes when looked at, ${input.read.size} read): what was read is recorded, the rest is taken when the file is seen again`,
          );
        }
      }
      slices += input.converted.scenario1 + input.converted.scenario2;
      rejected += input.rejected;
      alreadySent += input.alreadyConverted;
    }
  }
  const files = done.reduce((n, s) => n + s.inputs.length, 0);
  return { files, slices, rejected, alreadySent, outputs, taken };
}
