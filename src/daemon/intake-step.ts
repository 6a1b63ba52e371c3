/**
 * The daemon's intake step: the inbox files found complete are checked against the intake log
 * (intake-log.ts: unchanged, same content, appended, or to read again) and converted together
 * (step 1), each up to the size it had when found complete. A file that cannot be read is
 * reported with its path and tried again when it changes; the others go on.
 */
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { ConvertSummary } from '../convert/convert-reviewed-slices.ts';
import { displayName } from '../domain/data-paths.ts';
import type { ConvertHelpers } from '../convert/helper-thread-client.ts';
import type { DuplicateStoreKeeper } from '../convert/duplicate-store-keeper.ts';
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
import { writeFaultOf, type WriteFault } from '../storage/write-fault.ts';
import { createConvertStep, type ConvertStep } from './convert-step.ts';
import {
  nextBatch,
  nextWriteTrouble,
  sameStat,
  takenRecord,
  tally,
  type IntakeResult,
  type Stat,
  type ToConvert,
  type WriteTrouble,
} from './intake-pieces.ts';

export { FILES_PER_RUN, type IntakeResult, type WriteTrouble } from './intake-pieces.ts';

export interface IntakeStepOptions {
  readonly paths: DataPaths;
  readonly config: Config;
  /** The helpers for each conversion (made again once they failed: renewedHelpers). */
  readonly helpers: () => ConvertHelpers;
  readonly intakeLog: IntakeLog;
  readonly log: Logger;
  readonly now: () => number;
  /** With `dedup`: the duplicate store kept open from one intake run to the next. */
  readonly duplicateStoreKeeper?: DuplicateStoreKeeper | undefined;
}

const NOTHING: IntakeResult = { files: 0, slices: 0, rejected: 0, alreadySent: 0, outputs: 0 };

/** What the intake step's pieces share. */
interface IntakeContext {
  readonly options: IntakeStepOptions;
  /** Files that could not be read, with the stat they had: tried again once it changes. */
  readonly unreadable: Map<string, Stat & { readonly reason: string }>;
  readonly convert: ConvertStep;
}

function failToRead(ctx: IntakeContext, f: ListedFile, err: unknown): void {
  const { log, paths } = ctx.options;
  const reason = errorMessage(err);
  ctx.unreadable.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, reason });
  log.error(
    { err, file: displayName(paths.dataDir, f.path) },
    `cannot take ${displayName(paths.dataDir, f.path)}: ${reason}; it is tried again when it changes`,
  );
}

/** Checks each file against the intake log: what to convert, and what to record as skipped. */
async function lookAt(
  ctx: IntakeContext,
  batch: readonly ListedFile[],
): Promise<{ todo: ToConvert[]; skipped: TakenRecord[] }> {
  const { intakeLog, log, paths } = ctx.options;
  const todo: ToConvert[] = [];
  const skipped: TakenRecord[] = [];
  for (const f of batch) {
    if (sameStat(ctx.unreadable.get(f.path), f)) continue;
    ctx.unreadable.delete(f.path);
    const taken = intakeLog.taken(f.rel);
    const quick = quickCheck(taken, f);
    if (quick.kind === 'unchanged') continue;
    let fp: ContentFingerprint;
    try {
      fp = await fingerprintFile(f.path, f.size, quick.prefixBytes);
    } catch (err) {
      failToRead(ctx, f, err);
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
      skipped.push(takenRecord({ input: f, fp }, undefined, ctx.options.now()));
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
  return { todo, skipped };
}

/** Converts the files together; when one spoils the batch, one by one, naming the culprit. */
async function convertAll(
  ctx: IntakeContext,
  todo: readonly ToConvert[],
): Promise<ConvertSummary[]> {
  const inputPaths = new Set(todo.map((t) => t.input.path));
  const done: ConvertSummary[] = [];
  try {
    done.push(
      await ctx.convert(
        undefined,
        todo.map((t) => t.input),
      ),
    );
  } catch (err) {
    // A write that failed is no input's fault: the whole batch waits (see run).
    if (writeFaultOf(err, inputPaths) !== undefined) throw err;
    // One file spoiled the batch (it vanished, or cannot be read): one by one, so that
    // the others go on and the culprit is named.
    ctx.options.log.warn(
      { err },
      `conversion of ${todo.length} files failed (${errorMessage(err)}); converting them one by one`,
    );
    for (const t of todo) {
      try {
        done.push(await ctx.convert(undefined, [t.input]));
      } catch (e) {
        if (writeFaultOf(e, inputPaths) !== undefined) throw e;
        failToRead(ctx, t.input, e);
      }
    }
  }
  return done;
}

/** Takes `batch`: checks each against the intake log, converts, records. */
async function take(ctx: IntakeContext, batch: readonly ListedFile[]): Promise<IntakeResult> {
  const { intakeLog, log, paths } = ctx.options;
  const { todo, skipped } = await lookAt(ctx, batch);
  await intakeLog.record(skipped);
  if (todo.length === 0) return NOTHING;
  const byName = new Map(todo.map((t) => [displayName(paths.dataDir, t.input.path), t]));
  const done = await convertAll(ctx, todo);
  const { taken, ...result } = tally(done, byName, ctx.options.now(), log);
  await intakeLog.record(taken);
  const { files, slices, rejected, alreadySent, outputs } = result;
  const skippedText = alreadySent > 0 ? `, ${alreadySent} sent already (skipped)` : '';
  log.info(
    { files, slices, rejected, alreadySent, batchInputFiles: outputs },
    `took ${files} inbox file${files === 1 ? '' : 's'}: ${slices} new slices${skippedText}, ${rejected} lines rejected, ${outputs} batch input file${outputs === 1 ? '' : 's'} written`,
  );
  return result;
}

export function createIntakeStep(options: IntakeStepOptions) {
  const { intakeLog, log, paths } = options;
  const offered = new Map<string, ListedFile>();
  const ctx: IntakeContext = {
    options,
    unreadable: new Map(),
    // The conversion shared with `slicebatch process` (convert-step.ts).
    convert: createConvertStep({
      paths,
      config: options.config,
      helpers: options.helpers,
      log,
      now: options.now,
      duplicateStoreKeeper: options.duplicateStoreKeeper,
    }),
  };
  let writeTrouble: WriteTrouble | undefined;

  /** Writing failed: the batch waits (offered again) until writing works. */
  const writeFailed = (batch: readonly ListedFile[], err: unknown, fault: WriteFault): void => {
    for (const f of batch) if (!offered.has(f.path)) offered.set(f.path, f);
    const at = options.now();
    writeTrouble = nextWriteTrouble(writeTrouble, fault, at);
    const { failures, retryAt } = writeTrouble;
    log.error(
      { err, code: fault.code, failures, retryInMs: retryAt - at },
      `cannot write the batch input files (${fault.message}); ${batch.length} inbox file${batch.length === 1 ? '' : 's'} wait, tried again in ${Math.round((retryAt - at) / 1000)} s`,
    );
  };

  return {
    /** Complete files, taken at the next runs (`pending` tells how many wait). */
    offer(files: readonly ListedFile[]): void {
      for (const f of files) offered.set(f.path, f);
    },

    get pending(): number {
      return offered.size;
    },

    /** Files that could not be read and have not changed since. */
    get unreadable(): ReadonlyMap<string, { readonly reason: string }> {
      return ctx.unreadable;
    },

    /** True for a file that needs no look: taken and unchanged, or unreadable and unchanged. */
    unchanged(f: ListedFile): boolean {
      if (sameStat(ctx.unreadable.get(f.path), f)) return true;
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
      const batch = nextBatch(offered);
      let result: IntakeResult;
      try {
        result = await take(ctx, batch);
      } catch (err) {
        const fault = writeFaultOf(err, new Set(batch.map((f) => f.path)));
        if (fault === undefined) throw err;
        // Not the inputs' fault: they wait until writing works.
        writeFailed(batch, err, fault);
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
}

export type IntakeStep = ReturnType<typeof createIntakeStep>;
