/**
 * The daemon's intake step: the inbox files found complete are checked against the intake log
 * (intake-log.ts: unchanged, same content, appended, or to read again) and converted together
 * (step 1), each up to the size it had when found complete. A file that cannot be read is
 * reported with its path and tried again when it changes; the others go on.
 */
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import {
  convertReviewedSlices,
  displayName,
  type ConvertSummary,
  type InputToConvert,
} from '../convert/convert-reviewed-slices.ts';
import type { ConvertHelpers } from '../convert/helper-thread-client.ts';
import { errorMessage } from '../errors.ts';
import { fingerprintFile, type ContentFingerprint } from '../storage/content-fingerprint.ts';
import {
  decideIntake,
  quickCheck,
  type IntakeLog,
  type TakenRecord,
} from '../intake/intake-log.ts';
import type { Logger } from '../log/logger.ts';
import type { ListedFile } from '../storage/list-files.ts';
import { writeFaultOf, writeRetryDelayMs, type WriteFault } from '../storage/write-fault.ts';

export interface IntakeStepOptions {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly helpers: ConvertHelpers;
  readonly intakeLog: IntakeLog;
  readonly log: Logger;
  readonly now: () => number;
}

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

const NOTHING: IntakeResult = { files: 0, slices: 0, rejected: 0, alreadySent: 0, outputs: 0 };

/** Writing failed (the disk is full, failing, read-only): retried with backoff. */
export interface WriteTrouble extends WriteFault {
  readonly since: number;
  readonly failures: number;
  readonly retryAt: number;
}

interface ToConvert {
  readonly input: InputToConvert;
  readonly fp: ContentFingerprint;
}

export function createIntakeStep(options: IntakeStepOptions) {
  const { intakeLog, log, paths } = options;
  const offered = new Map<string, ListedFile>();
  /** Files that could not be read, with the stat they had: tried again once it changes. */
  const unreadable = new Map<string, { size: number; mtimeMs: number; reason: string }>();

  const sameStat = (a: { size: number; mtimeMs: number } | undefined, f: ListedFile): boolean =>
    a !== undefined && a.size === f.size && a.mtimeMs === f.mtimeMs;

  const fail = (f: ListedFile, err: unknown): void => {
    const reason = errorMessage(err);
    unreadable.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, reason });
    log.error(
      { err, file: displayName(paths.dataDir, f.path) },
      `cannot take ${displayName(paths.dataDir, f.path)}: ${reason}; it is tried again when it changes`,
    );
  };

  const takenRecord = (
    t: ToConvert,
    summary: ConvertSummary['inputs'][number] | undefined,
  ): TakenRecord => {
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
      at: options.now(),
    };
  };

  const convert = (inputs: readonly InputToConvert[]): Promise<ConvertSummary> =>
    convertReviewedSlices({
      reviewedDir: paths.reviewed,
      batchInputDir: paths.batchInput,
      dataDir: paths.dataDir,
      config: options.config,
      helpers: options.helpers,
      now: () => new Date(options.now()),
      log,
      files: inputs,
    });

  let writeTrouble: WriteTrouble | undefined;

  const step = {
    /** Complete files, taken at the next runs (`pending` tells how many wait). */
    offer(files: readonly ListedFile[]): void {
      for (const f of files) offered.set(f.path, f);
    },

    get pending(): number {
      return offered.size;
    },

    /** Files that could not be read and have not changed since. */
    get unreadable(): ReadonlyMap<string, { readonly reason: string }> {
      return unreadable;
    },

    /** True for a file that needs no look: taken and unchanged, or unreadable and unchanged. */
    unchanged(f: ListedFile): boolean {
      if (sameStat(unreadable.get(f.path), f)) return true;
      return quickCheck(intakeLog.taken(f.rel), f).kind === 'unchanged';
    },

    /** Writes failing (disk full, I/O errors): since when, why, when they are tried again. */
    get writeTrouble(): WriteTrouble | undefined {
      return writeTrouble;
    },

    async run(): Promise<IntakeResult> {
      if (writeTrouble !== undefined && options.now() < writeTrouble.retryAt) return NOTHING;
      // At most FILES_PER_RUN files a run: a conversion keeps a little state per input file
      // until it ends, so an inbox of 100,000 small files is taken in bounded memory.
      const batch: ListedFile[] = [];
      for (const [path, f] of offered) {
        if (batch.length === FILES_PER_RUN) break;
        batch.push(f);
        offered.delete(path);
      }
      let result: IntakeResult;
      try {
        result = await take(batch);
      } catch (err) {
        const fault = writeFaultOf(err, new Set(batch.map((f) => f.path)));
        if (fault === undefined) throw err;
        // Not the inputs' fault: they wait (offered again) until writing works.
        for (const f of batch) if (!offered.has(f.path)) offered.set(f.path, f);
        const failures = (writeTrouble?.failures ?? 0) + 1;
        const at = options.now();
        const retryAt = at + writeRetryDelayMs(failures);
        writeTrouble = { ...fault, since: writeTrouble?.since ?? at, failures, retryAt };
        log.error(
          { err, code: fault.code, failures, retryInMs: retryAt - at },
          `cannot write the batch input files (${fault.message}); ${batch.length} inbox file${batch.length === 1 ? '' : 's'} wait, tried again in ${Math.round((retryAt - at) / 1000)} s`,
        );
        return NOTHING;
      }
      if (writeTrouble !== undefined) {
        log.info(
          { failures: writeTrouble.failures },
          `writing works again (after ${writeTrouble.failures} failed attempts)`,
        );
        writeTrouble = undefined;
      }
      return result;
    },
  };

  /** Takes `batch`: checks each against the intake log, converts, records. */
  async function take(batch: readonly ListedFile[]): Promise<IntakeResult> {
    const todo: ToConvert[] = [];
    const skipped: TakenRecord[] = [];
    for (const f of batch) {
      if (sameStat(unreadable.get(f.path), f)) continue;
      unreadable.delete(f.path);
      const taken = intakeLog.taken(f.rel);
      const quick = quickCheck(taken, f);
      if (quick.kind === 'unchanged') continue;
      let fp: ContentFingerprint;
      try {
        fp = await fingerprintFile(f.path, f.size, quick.prefixBytes);
      } catch (err) {
        fail(f, err);
        continue;
      }
      const decision = decideIntake(taken, fp, intakeLog.contentTakenAs(f.relDir, fp.sha256));
      const name = displayName(paths.dataDir, f.path);
      if (decision.kind === 'same_content') {
        if (decision.as !== f.rel)
          log.info(
            { file: name, as: decision.as },
            `${name}: same content as ${decision.as}, skipped`,
          );
        skipped.push(takenRecord({ input: f, fp }, undefined));
      } else if (decision.kind === 'appended') {
        log.info(
          { file: name, fromLine: decision.from.lineNo + 1 },
          `${name} grew: reading from line ${decision.from.lineNo + 1}`,
        );
        todo.push({ input: { ...f, from: decision.from, end: fp.size, prefix: fp.prefix }, fp });
      } else {
        todo.push({ input: { ...f, end: fp.size }, fp });
      }
    }
    await intakeLog.record(skipped);
    if (todo.length === 0) return NOTHING;
    const inputPaths = new Set(todo.map((t) => t.input.path));

    const byName = new Map(todo.map((t) => [displayName(paths.dataDir, t.input.path), t]));
    const done: ConvertSummary[] = [];
    try {
      done.push(await convert(todo.map((t) => t.input)));
    } catch (err) {
      // A write that failed is no input's fault: the whole batch waits (see run).
      if (writeFaultOf(err, inputPaths) !== undefined) throw err;
      // One file spoiled the batch (it vanished, or cannot be read): one by one, so that
      // the others go on and the culprit is named.
      log.warn(
        { err },
        `conversion of ${todo.length} files failed (${errorMessage(err)}); converting them one by one`,
      );
      for (const t of todo) {
        try {
          done.push(await convert([t.input]));
        } catch (e) {
          if (writeFaultOf(e, inputPaths) !== undefined) throw e;
          fail(t.input, e);
        }
      }
    }
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
          taken.push(takenRecord(t, input));
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
    await intakeLog.record(taken);
    const files = done.reduce((n, s) => n + s.inputs.length, 0);
    const skippedText = alreadySent > 0 ? `, ${alreadySent} sent already (skipped)` : '';
    log.info(
      { files, slices, rejected, alreadySent, batchInputFiles: outputs },
      `took ${files} inbox file${files === 1 ? '' : 's'}: ${slices} new slices${skippedText}, ${rejected} lines rejected, ${outputs} batch input file${outputs === 1 ? '' : 's'} written`,
    );
    return { files, slices, rejected, alreadySent, outputs };
  }

  return step;
}

export type IntakeStep = ReturnType<typeof createIntakeStep>;
