/**
 * What the review page's routes share: the data folder's paths, the config, the log and clock,
 * this process's CSRF token, the search index (opened, and built when missing, once: in the
 * background or on first need, so the listener starts at once; opened again after a failure),
 * and the review journal (opened on the first decision). `close` releases both.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import {
  openReviewJournal,
  type ReviewDecision,
  type ReviewJournal,
} from '../domain/review-journal.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { openSliceIndex, type SliceIndex } from './slice-queries.ts';

export interface ReviewServerOptions {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly now?: () => number;
  /** Called after a decision is journaled (the daemon then picks a resend up at once). */
  readonly onDecision?: (d: ReviewDecision) => void;
  /** Build the search index at once (default), or when a page first needs it (the daemon). */
  readonly eagerIndex?: boolean;
}

export interface ReviewContext {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly now: () => number;
  readonly csrf: string;
  readonly onDecision: ((d: ReviewDecision) => void) | undefined;
  index(): Promise<SliceIndex>;
  journal(): Promise<ReviewJournal>;
  close(): Promise<void>;
}

export function createReviewContext(options: ReviewServerOptions): ReviewContext {
  const { paths, log } = options;
  const now = options.now ?? Date.now;
  let opening: Promise<SliceIndex> | undefined;
  let journal: ReviewJournal | undefined;
  const index = (): Promise<SliceIndex> =>
    (opening ??= openSliceIndex({ paths, log, now }).catch((err: unknown) => {
      opening = undefined;
      throw err;
    }));
  if (options.eagerIndex !== false) {
    index().catch((err: unknown) =>
      log.warn({ err }, `review index not built: ${errorMessage(err)}`),
    );
  }
  return {
    paths,
    config: options.config,
    log,
    now,
    csrf: randomBytes(24).toString('base64url'),
    onDecision: options.onDecision,
    index,
    journal: async () => (journal ??= await openReviewJournal(paths.state)),
    async close() {
      await opening?.then(
        (i) => i.close(),
        () => undefined,
      );
      await journal?.close();
    },
  };
}
