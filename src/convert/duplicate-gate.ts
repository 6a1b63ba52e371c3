/**
 * Duplicates caught before paying: each slice about to be sent is looked up in the store of the
 * slices sent before (storage/duplicate-store.ts, over every repo folder and every earlier run)
 * and in this run's; an exact duplicate (the same tokens: comments, whitespace and quotes aside)
 * or a near one (estimated Jaccard similarity of its token shingles at or above
 * `dedup.near_threshold`) is not sent, and goes to the rejects report as `duplicate`, naming
 * the slice kept. What it would have cost is kept for `estimate` and `status`.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { CodeFingerprint } from '../domain/code-fingerprint.ts';
import { STAGE_FOLDERS } from '../domain/data-paths.ts';
import {
  BrokenStoreError,
  DUPLICATE_STORE_NAME,
  duplicateStoreFiles,
  openDuplicateStore,
  type DuplicateStore,
} from '../storage/duplicate-store.ts';
import type { DuplicateStoreKeeper } from './duplicate-store-keeper.ts';
import type { Logger } from '../log/logger.ts';
import { rename, unlink } from 'node:fs/promises';
import { CONVERTED_EARLIER, loadConvertedSlices } from './converted-slices.ts';
import type { RejectEntry } from './rejects-report.ts';

export interface SavedRequests {
  requests: number;
  promptTokens: number;
}

/** A slice about to be sent, where it comes from, and what its request costs. */
export interface Candidate {
  readonly repo: string;
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly scenario: Scenario;
  readonly model: string;
  readonly promptTokens: number;
  readonly fingerprint: CodeFingerprint;
}

export interface DuplicateGate {
  /** The reject entry of a duplicate (recorded as not sent), or undefined: send it. */
  check(c: Candidate): Omit<RejectEntry, 'file' | 'line'> | undefined;
  /** Its request was placed: later slices are compared with it. */
  keep(c: Candidate): void;
  /** Before a batch input file is sealed: what was kept is made durable first. */
  beforeSeal(): void;
  /** `bytesDone` of the run's `bytesTotal` input bytes are read. */
  progress(bytesDone: number, bytesTotal: number): void;
  /** Every batch input file is sealed. */
  finish(): void;
  /** The run failed: what was not committed is dropped (the rest is settled next time). */
  abort(): void;
  readonly saved: Readonly<Record<Scenario, Readonly<SavedRequests>>>;
}

export function duplicateStorePath(dataDir: string): string {
  return join(dataDir, STAGE_FOLDERS.state, DUPLICATE_STORE_NAME);
}

interface GateOptions {
  readonly config: Config;
  readonly dataDir: string;
  readonly batchInputDir: string;
  readonly dryRun: boolean;
  readonly now: () => Date;
  readonly log: Logger;
  /** Keeps the store open for the next conversion (the daemon's); a dry run does not use it. */
  readonly duplicateStoreKeeper?: DuplicateStoreKeeper | undefined;
}

/** The store at `path`; one that is not a readable store is moved aside, and a new one started. */
async function openStore(options: GateOptions, path: string): Promise<DuplicateStore> {
  const nearThreshold = options.config.dedup.near_threshold;
  const open = () => openDuplicateStore(path, { nearThreshold, dryRun: options.dryRun });
  return open().catch(async (err: unknown) => {
    if (!(err instanceof BrokenStoreError)) throw err;
    // Not a reason to stop converting: what was sent is forgotten (its duplicates are sent
    // once more), and the broken file is kept aside for a person to look at.
    if (options.dryRun) {
      options.log.warn({ file: path }, `${err.message}; estimated as if nothing was sent before`);
      return openDuplicateStore(':memory:', { nearThreshold, dryRun: true });
    }
    const aside = `${err.file}.broken-${options.now().getTime()}`;
    for (const file of err.files) {
      await rename(file, `${file}.broken-${options.now().getTime()}`).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      });
      for (const extra of ['-wal', '-shm']) await unlink(file + extra).catch(() => undefined);
    }
    options.log.warn(
      { file: err.file, aside },
      `${err.message}; moved to ${aside}, a new store is started (slices sent before are forgotten)`,
    );
    return open();
  });
}

export async function openDuplicateGate(options: GateOptions): Promise<DuplicateGate | undefined> {
  if (!options.config.dedup.enabled) return undefined;
  const path = duplicateStorePath(options.dataDir);
  const files = duplicateStoreFiles(path);
  const keeper = options.dryRun ? undefined : options.duplicateStoreKeeper;
  let store = keeper?.take(files);
  if (store !== undefined) {
    store.startRun();
  } else {
    const start = options.now().getTime();
    store = await openStore(options, path);
    const ms = options.now().getTime() - start;
    const kept = store.stats.kept;
    options.log.info(
      { file: path, kept, ms },
      `opened the duplicate store: ${kept.toLocaleString('en-US')} slices kept, read in ${ms} ms`,
    );
  }
  try {
    // Slices left pending by a run that did not finish: kept if their request is in a batch
    // input file, dropped if not.
    for (const repo of options.dryRun ? [] : store.pendingRepos()) {
      const folder = join(options.batchInputDir, ...repo.split('/').filter(Boolean));
      const converted = await loadConvertedSlices(folder);
      store.settle(repo, (id) => converted.get(id)?.source === CONVERTED_EARLIER);
    }
  } catch (err) {
    store.close();
    throw err;
  }
  const saved: Record<Scenario, SavedRequests> = {
    scenario1: { requests: 0, promptTokens: 0 },
    scenario2: { requests: 0, promptTokens: 0 },
  };
  // When slices are kept and found: the clock read once per batch input file, not per slice.
  let stamp = options.now();
  const where = (repo: string): string => (repo === '' ? 'the top of the inbox' : repo);
  return {
    saved,
    check(c) {
      const match = store.find(c.repo, c.id, c.fingerprint);
      if (match === undefined) return undefined;
      store.notSent({ ...c, match }, stamp);
      saved[c.scenario].requests++;
      saved[c.scenario].promptTokens += c.promptTokens;
      const k = match.kept;
      const what =
        match.kind === 'exact'
          ? 'the same code'
          : `${Math.round(match.similarity * 100)} % similar code`;
      const sameRepo = k.repo === c.repo ? '' : ` of ${where(k.repo)}`;
      return {
        code: 'duplicate',
        reason:
          `duplicate of slice ${JSON.stringify(k.id)} (${k.file} line ${k.line}${sameRepo}, ` +
          `converted ${k.at}): ${what}; not sent, ${c.promptTokens} prompt tokens saved`,
        field: 'code_snippet',
        id: c.id,
        duplicate_of: { id: k.id, file: k.file, line: k.line, repo: k.repo },
        ...(match.kind === 'near' ? { similarity: match.similarity } : {}),
      };
    },
    keep(c) {
      store.keep({ repo: c.repo, id: c.id, file: c.file, line: c.line }, c.fingerprint, stamp);
    },
    progress(bytesDone, bytesTotal) {
      if (bytesTotal > 0) store.progress(bytesDone / bytesTotal);
    },
    beforeSeal() {
      store.commit();
      stamp = options.now();
    },
    finish() {
      store.confirm();
      if (keeper === undefined) store.close();
      else keeper.keep(files, store);
    },
    abort: () => store.close(),
  };
}
