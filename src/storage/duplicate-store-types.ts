/**
 * The duplicate store's shape: a match, a duplicate not sent, the store and its options
 * (duplicate-store.ts opens it).
 */
import type { CodeFingerprint } from '../domain/code-fingerprint.ts';
import type { KeptSlice } from './duplicate-kept.ts';
import type { SavedTotals } from './duplicate-store-rows.ts';

export interface DuplicateMatch {
  readonly kind: 'exact' | 'near';
  /** 1 for an exact duplicate; the estimated Jaccard similarity of a near one. */
  readonly similarity: number;
  readonly kept: KeptSlice;
}

/** A duplicate not sent: the tokens (and so the money) saved. */
export interface NotSent {
  readonly repo: string;
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly scenario: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly match: DuplicateMatch;
}

export interface DuplicateStore {
  /** The kept slice `fp` duplicates (not the slice itself), or undefined. */
  find(repo: string, id: string, fp: CodeFingerprint): DuplicateMatch | undefined;
  /** Keeps a slice whose request was placed (pending until settled or confirmed). */
  keep(slice: Omit<KeptSlice, 'at'>, fp: CodeFingerprint, at: Date): void;
  notSent(entry: NotSent, at: Date): void;
  /** The repo folders with pending slices (left by a run that did not finish). */
  pendingRepos(): string[];
  /** Settles the pending slices of a repo folder: kept if `converted(id)`, else dropped. */
  settle(repo: string, converted: (id: string) => boolean): void;
  /** Makes what was added durable (before a batch input file is sealed). */
  commit(): void;
  /** The run's batch input files are all sealed: its slices are kept for good. */
  confirm(): void;
  /** Drops what was not committed, and closes. */
  close(): void;
  saved(): SavedTotals[];
  /** Every slice kept and not dropped, in the order kept. */
  list(): { slice: KeptSlice; pending: boolean }[];
  /**
   * A new run starts on the store kept open since the run before (which confirmed): its
   * forecast (`progress`) counts from here.
   */
  startRun(): void;
  /** `share` (0 to 1) of this run's input is read: sizes the lookup tables for the rest. */
  progress(share: number): void;
  /**
   * Lookups so far, the kept slices they read to verify their candidates, how many times the
   * lookup tables were made again (larger), their slots, and the slices kept (dropped ones
   * too).
   */
  readonly stats: {
    readonly lookups: number;
    readonly reads: number;
    readonly rebuilds: number;
    readonly slots: number;
    readonly kept: number;
  };
}

export interface DuplicateStoreOptions {
  readonly nearThreshold: number;
  /** Nothing is written: the files are read (if there are some), additions stay apart. */
  readonly dryRun?: boolean;
  /** Only `saved` is asked for (the slices kept are not read). */
  readonly savedOnly?: boolean;
  /** For tests: how many values a key check takes (1: every key collides). */
  readonly checkValues?: number;
  /** For tests: the most slices the store keeps (its band table's limit, 2^24). */
  readonly maxSlices?: number;
  /** For tests: up to how many slices a run's forecast is taken whole (the tables made for it). */
  readonly forecastWholeSlices?: number;
}
