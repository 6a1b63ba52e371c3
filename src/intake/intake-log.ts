/**
 * Which inbox files the daemon has taken, and what each held then: `.slicebatch/intake.jsonl`,
 * one fsynced record per take. It decides what a file seen again contributes:
 *
 *   - the same size, time and inode as when taken: nothing, without reading it;
 *   - the same content as a file taken earlier in the same repo folder (touched, renamed,
 *     copied): nothing;
 *   - the taken content followed by more lines (a reviewer appended slices): the new lines only,
 *     read from where the last read stopped, numbered as in the whole file;
 *   - anything else (rewritten): the whole file again; slices already converted are skipped by
 *     the conversion (by repo and slice id), so only new slices are sent.
 *
 * Inputs are never modified or moved. The record is written after the conversion succeeded, so
 * a crash in between only means the file is read again (and its slices found converted).
 */
import { join } from 'node:path';
import { openJournal, readJournal, type Journal } from '../storage/journal.ts';
import type { ContentFingerprint } from '../storage/content-fingerprint.ts';

export const INTAKE_FILE = 'intake.jsonl';

export interface TakenRecord {
  readonly t: 'taken';
  /** Path relative to the inbox, `/` separators. */
  readonly file: string;
  /** Its repo folder (relative to the inbox, '' at the root). */
  readonly repo: string;
  readonly size: number;
  readonly mtime_ms: number;
  readonly ino: number;
  readonly sha256: string;
  /** Line ends in the taken content. */
  readonly newlines: number;
  readonly ends_with_newline: boolean;
  /** Slices converted from this take, lines rejected, slices found already converted. */
  readonly converted: number;
  readonly rejected: number;
  readonly already_converted: number;
  readonly at: number;
}

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

export type IntakeDecision =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'same_content'; readonly as: string }
  | { readonly kind: 'appended'; readonly from: { offset: number; lineNo: number } }
  | { readonly kind: 'read' };

/**
 * Without reading the file: unchanged, or how many leading bytes to fingerprint apart (the
 * taken size, when the file may only have grown).
 */
export function quickCheck(
  taken: TakenRecord | undefined,
  stat: FileStat,
): { readonly kind: 'unchanged' } | { readonly kind: 'fingerprint'; prefixBytes?: number } {
  if (taken === undefined) return { kind: 'fingerprint' };
  if (taken.size === stat.size && taken.mtime_ms === stat.mtimeMs && taken.ino === stat.ino) {
    return { kind: 'unchanged' };
  }
  if (stat.size > taken.size && taken.ends_with_newline) {
    return { kind: 'fingerprint', prefixBytes: taken.size };
  }
  return { kind: 'fingerprint' };
}

/** What a fingerprinted file contributes. */
export function decideIntake(
  taken: TakenRecord | undefined,
  fp: ContentFingerprint,
  takenAs: string | undefined,
): IntakeDecision {
  if (takenAs !== undefined) return { kind: 'same_content', as: takenAs };
  if (
    taken !== undefined &&
    taken.ends_with_newline &&
    fp.size > taken.size &&
    fp.prefixSha256 === taken.sha256
  ) {
    return { kind: 'appended', from: { offset: taken.size, lineNo: taken.newlines } };
  }
  return { kind: 'read' };
}

export interface IntakeLog {
  /** The latest take of an inbox file. */
  taken(file: string): TakenRecord | undefined;
  /** The file whose take had this content in this repo folder, if any. */
  contentTakenAs(repo: string, sha256: string): string | undefined;
  /** Appends the takes (one fsync for all). */
  record(records: readonly TakenRecord[]): Promise<void>;
  readonly size: number;
  close(): Promise<void>;
}

export async function openIntakeLog(stateDir: string): Promise<IntakeLog> {
  const path = join(stateDir, INTAKE_FILE);
  const byFile = new Map<string, TakenRecord>();
  const byContent = new Map<string, string>();
  const apply = (r: TakenRecord): void => {
    byFile.set(r.file, r);
    byContent.set(`${r.repo}\u0000${r.sha256}`, r.file);
  };
  for (const r of await readJournal<TakenRecord>(path)) if (r.t === 'taken') apply(r);
  const journal: Journal<TakenRecord> = await openJournal(path);
  return {
    taken: (file) => byFile.get(file),
    contentTakenAs: (repo, sha256) => byContent.get(`${repo}\u0000${sha256}`),
    async record(records) {
      if (records.length === 0) return;
      await journal.appendMany(records);
      for (const r of records) apply(r);
    },
    get size() {
      return byFile.size;
    },
    close: () => journal.close(),
  };
}
