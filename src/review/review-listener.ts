/**
 * The listener with the review page on it, for the daemon (health and metrics beside) and for
 * `slicebatch ui` (the page alone). Reads `http.token_file` (relative to the working folder)
 * and refuses to start off loopback without it.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Health } from '../domain/heartbeat.ts';
import { startHttpListener, type HttpListener } from '../daemon/http-listener.ts';
import type { Metrics } from '../daemon/metrics.ts';
import type { Logger } from '../log/logger.ts';
import { readTokenFile } from './access-token.ts';
import type { ReviewDecision } from '../domain/review-journal.ts';
import { openReviewServer } from './review-server.ts';

export async function startReviewListener(options: {
  readonly listen: string;
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly now?: () => number;
  readonly cwd?: string;
  readonly health?: () => Health;
  readonly metrics?: Metrics;
  readonly onDecision?: (d: ReviewDecision) => void;
  /** Build the search index at start (`slicebatch ui`) or when a page first needs it. */
  readonly eagerIndex?: boolean;
}): Promise<HttpListener> {
  const tokenFile = options.config.http.token_file;
  const token =
    tokenFile === undefined
      ? undefined
      : await readTokenFile(resolve(options.cwd ?? process.cwd(), tokenFile));
  const review = openReviewServer({
    paths: options.paths,
    config: options.config,
    log: options.log,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }),
    eagerIndex: options.eagerIndex ?? true,
  });
  let listener: HttpListener;
  try {
    listener = await startHttpListener({
      listen: options.listen,
      token,
      routes: (req, res) => review.handle(req, res),
      ...(options.health === undefined ? {} : { health: options.health }),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
  } catch (err) {
    await review.close();
    throw err;
  }
  return {
    url: listener.url,
    loopback: listener.loopback,
    async close() {
      await listener.close();
      await review.close();
    },
  };
}
