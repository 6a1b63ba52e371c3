/**
 * One compilation run's settings, fixed at its start (pure): its time and file time stamp, the
 * dataset format, train ratio and seed (the options over config.compile), the output folder,
 * and how a path is shown in logs and reports (relative to the data folder when inside it).
 */
import { isAbsolute, relative } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { fileTimestamp } from '../domain/file-names.ts';
import type { Logger } from '../log/logger.ts';
import type { DatasetFormat } from './record-format.ts';

export interface CompileOptions {
  /** reviewed, batchInput, batchOutput, finalOutput, state and the data folder. */
  readonly paths: DataPaths;
  readonly config: Config;
  /** Default: config.compile.format / train_ratio / seed. */
  readonly format?: DatasetFormat | undefined;
  readonly trainRatio?: number | undefined;
  readonly seed?: number | undefined;
  readonly now: () => Date;
  readonly log: Logger;
  /**
   * Stops the compilation between two read chunks (a daemon that is asked to stop): it then
   * rejects with the signal's reason and publishes nothing.
   */
  readonly signal?: AbortSignal | undefined;
}

export interface CompileRun {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly signal: AbortSignal | undefined;
  /** When the run started, and that time as file names show it (YYYYMMDD_HHMMSS). */
  readonly startedAt: Date;
  readonly ts: string;
  readonly format: DatasetFormat;
  readonly trainRatio: number;
  readonly seed: number;
  readonly outDir: string;
  readonly display: (path: string) => string;
}

/** `path` relative to the data folder when inside it (with `/`), else as given. */
export function displayPath(dataDir: string, path: string): string {
  const rel = relative(dataDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split('\\').join('/');
}

export function compileRun(options: CompileOptions): CompileRun {
  const { paths, config } = options;
  const startedAt = options.now();
  return {
    paths,
    config,
    log: options.log,
    signal: options.signal,
    startedAt,
    ts: fileTimestamp(startedAt),
    format: options.format ?? config.compile.format,
    trainRatio: options.trainRatio ?? config.compile.train_ratio,
    seed: options.seed ?? config.compile.seed,
    outDir: paths.finalOutput,
    display: (p) => displayPath(paths.dataDir, p),
  };
}
