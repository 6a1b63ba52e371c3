/**
 * The batch input file format every stage reads: the manifest written beside each file (totals
 * for the token budget and the cost, its sources, its attempt), and a file as listed in the
 * batch input stage. Written by convert (batch-input-writer.ts) and poll (retry files); listed
 * by submit (batch-input-files.ts); read by poll, compile, status and the review page.
 */
import type { Scenario } from './answer-schemas.ts';

export interface BatchInputManifest {
  readonly version: 1;
  readonly file: string;
  readonly scenario: Scenario;
  readonly model: string;
  readonly requests: number;
  readonly bytes: number;
  readonly prompt_tokens: number;
  /** The sum of `max_completion_tokens` over the requests: the most output they can cost. */
  readonly max_completion_tokens: number;
  readonly sha256: string;
  readonly created_at: string;
  /** The reviewed-slice files (relative to the data folder) whose slices are in this file. */
  readonly sources: readonly string[];
  /** 1 for first attempts; higher for files of retried requests. */
  readonly attempt: number;
  /**
   * Which reviewed-slice file each request comes from: runs of consecutive lines (1-based) of
   * one source, in line order. Absent in files written before it was recorded.
   */
  readonly source_lines?: readonly SourceRun[];
}

export interface SourceRun {
  readonly source: string;
  readonly first_line: number;
  readonly lines: number;
}

export interface BatchInputFile {
  readonly path: string;
  /** Relative to the data folder when inside it. */
  readonly display: string;
  /** The repo folder (relative to the batch input stage). */
  readonly repo: string;
  readonly name: string;
  readonly manifest: BatchInputManifest;
}
