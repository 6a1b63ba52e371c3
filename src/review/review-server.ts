/**
 * The review page's routes, for the daemon's listener and for `slicebatch ui`:
 *
 *   GET  /                                 the overview (its live part: GET /overview.part)
 *   GET  /slices?q=&category=&scenario=&repo=&page=   search
 *   GET  /slices/<repo>/<slice id>         a slice (repo `_` for the top folder)
 *   POST /slices/<repo>/<slice id>/exclude|include|resend   a decision, journaled
 *
 * Review actions are POSTs of a form that carries this process's CSRF token, from a page of
 * the same origin (Origin or Sec-Fetch-Site checked); anything else is refused with 403.
 *
 * Its pieces: the routes told apart (review-route.ts), what they share (review-context.ts),
 * the HTTP edge (review-http.ts), the GET pages (review-pages.ts), a decision (review-decision.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../errors.ts';
import { REVIEW_CSS, REVIEW_JS } from './assets.ts';
import {
  createReviewContext,
  type ReviewContext,
  type ReviewServerOptions,
} from './review-context.ts';
import { decide } from './review-decision.ts';
import { PLAIN_TEXT, send } from './review-http.ts';
import { notFoundPage, overviewPage, searchPage, slicePage } from './review-pages.ts';
import { isReviewPath, methodRefused, reviewRoute } from './review-route.ts';

export type { ReviewServerOptions } from './review-context.ts';
export { sameOrigin } from './review-http.ts';

export interface ReviewServer {
  /** Serves the request when it is one of the page's routes; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): Promise<void>;
}

export function openReviewServer(options: ReviewServerOptions): ReviewServer {
  const ctx = createReviewContext(options);
  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const p = url.pathname;
      if (!isReviewPath(p)) return false;
      if (methodRefused(p, req.method)) {
        send(res, 405, 'GET only\n', PLAIN_TEXT);
        return true;
      }
      route(ctx, req, res, url).catch((err: unknown) => {
        ctx.log.error({ err }, `review page ${p}: ${errorMessage(err)}`);
        if (!res.headersSent) send(res, 500, `error: ${errorMessage(err)}\n`, PLAIN_TEXT);
        else res.end();
      });
      return true;
    },
    close: () => ctx.close(),
  };
}

async function route(
  ctx: ReviewContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const r = reviewRoute(url.pathname);
  switch (r.kind) {
    case 'asset':
      return r.name === 'review.css'
        ? send(res, 200, REVIEW_CSS, 'text/css; charset=utf-8')
        : send(res, 200, REVIEW_JS, 'text/javascript; charset=utf-8');
    case 'overview':
      return overviewPage(ctx, res, r.part);
    case 'search':
      return searchPage(ctx, res, url.searchParams);
    case 'not_found':
      return notFoundPage(res, url.pathname);
    case 'slice':
      if (r.action === undefined) {
        const notice = url.searchParams.get('notice') ?? undefined;
        return slicePage(ctx, res, { repo: r.repo, sliceId: r.sliceId, notice });
      }
      if (req.method !== 'POST') return send(res, 405, 'POST a form\n', PLAIN_TEXT);
      return decide(ctx, req, res, { repo: r.repo, sliceId: r.sliceId, action: r.action });
  }
}
