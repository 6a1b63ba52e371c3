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
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { readJobs } from '../jobs/job-store.ts';
import type { Logger } from '../log/logger.ts';
import { readStatusFacts } from '../status/read-standing.ts';
import { buildStatusReport } from '../status/status-report.ts';
import { errorMessage } from '../errors.ts';
import { REVIEW_CSS, REVIEW_JS } from './assets.ts';
import { html, page, sliceUrl } from './html.ts';
import { overviewBody, overviewPart } from './overview-page.ts';
import {
  openReviewJournal,
  type ReviewDecision,
  type ReviewJournal,
} from '../domain/review-journal.ts';
import { sliceBody, slicesBody } from './slice-pages.ts';
import { readSliceView } from './slice-view.ts';
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

export interface ReviewServer {
  /** Serves the request when it is one of the page's routes; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): Promise<void>;
}

const MAX_FORM_BYTES = 16 * 1024;

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/html; charset=utf-8',
): void {
  res
    .writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    })
    .end(body);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A POST from a page of this origin: the browser says so (Origin, or Sec-Fetch-Site). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === `http://${req.headers.host ?? ''}`;
  const site = req.headers['sec-fetch-site'];
  return site === 'same-origin';
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export function openReviewServer(options: ReviewServerOptions): ReviewServer {
  const { paths, config, log } = options;
  const now = options.now ?? Date.now;
  // Opened (built when missing) in the background, or on first use: the listener starts at once.
  let opening: Promise<SliceIndex> | undefined;
  const getIndex = (): Promise<SliceIndex> =>
    (opening ??= openSliceIndex({ paths, log, now }).catch((err: unknown) => {
      opening = undefined;
      throw err;
    }));
  if (options.eagerIndex !== false) {
    getIndex().catch((err: unknown) =>
      log.warn({ err }, `review index not built: ${errorMessage(err)}`),
    );
  }
  const csrf = randomBytes(24).toString('base64url');
  let journal: ReviewJournal | undefined;

  const overview = async () => {
    const t = now();
    const facts = await readStatusFacts(paths, config, t);
    return {
      report: buildStatusReport(facts, t),
      jobs: [...(await readJobs(paths.batchOutput)).values()],
    };
  };

  const decide = async (
    req: IncomingMessage,
    res: ServerResponse,
    repo: string,
    sliceId: string,
    action: string,
  ): Promise<void> => {
    if (!sameOrigin(req))
      return send(res, 403, 'cross-site request refused\n', 'text/plain; charset=utf-8');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return send(res, 415, 'a form is expected\n', 'text/plain; charset=utf-8');
    }
    const form = await readForm(req);
    if (!sameToken(form.get('csrf') ?? '', csrf))
      return send(
        res,
        403,
        'missing or stale form token: reload the page\n',
        'text/plain; charset=utf-8',
      );
    const reason = (form.get('reason') ?? '').trim();
    const attempt = Number(form.get('attempt'));
    if (reason === '' || reason.length > 2000)
      return send(
        res,
        400,
        'a reason (up to 2,000 characters) is required\n',
        'text/plain; charset=utf-8',
      );
    if (!Number.isInteger(attempt) || attempt < 1)
      return send(
        res,
        400,
        '"attempt" must be a whole number from 1\n',
        'text/plain; charset=utf-8',
      );
    const index = await getIndex();
    const row = await index.slice(repo, sliceId);
    if (row?.custom_id === null || row === undefined)
      return send(res, 404, 'no such slice\n', 'text/plain; charset=utf-8');
    const decision: ReviewDecision = {
      t: action as ReviewDecision['t'],
      repo,
      custom_id: row.custom_id,
      attempt,
      reason,
      at: new Date(now()).toISOString(),
    };
    journal ??= await openReviewJournal(paths.state);
    await journal.append(decision);
    log.info({ decision }, `review: ${action} ${repo}/${sliceId} (attempt ${attempt}): ${reason}`);
    options.onDecision?.(decision);
    const notice =
      action === 'resend'
        ? 'Journaled: the daemon sends it again as a new attempt.'
        : action === 'exclude'
          ? 'Journaled: the next compile leaves this answer out.'
          : 'Journaled: the next compile includes it again.';
    res
      .writeHead(303, {
        location: `${sliceUrl(repo, sliceId)}?notice=${encodeURIComponent(notice)}`,
      })
      .end();
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    if (path === '/assets/review.css') return send(res, 200, REVIEW_CSS, 'text/css; charset=utf-8');
    if (path === '/assets/review.js')
      return send(res, 200, REVIEW_JS, 'text/javascript; charset=utf-8');
    if (path === '/' || path === '/overview.part') {
      const o = await overview();
      const part = overviewPart(o.report, o.jobs);
      return send(
        res,
        200,
        path === '/'
          ? page({ title: 'Overview', nav: 'overview', body: overviewBody(part) })
          : part.text,
      );
    }
    if (path === '/slices') {
      const q = {
        q: url.searchParams.get('q') ?? undefined,
        category: url.searchParams.get('category') ?? undefined,
        scenario: url.searchParams.get('scenario') ?? undefined,
        repo: url.searchParams.get('repo') ?? undefined,
        page: Number(url.searchParams.get('page') ?? 0) || 0,
      };
      const started = performance.now();
      const index = await getIndex();
      const result = await index.search(q);
      const ms = Math.round(performance.now() - started);
      return send(
        res,
        200,
        page({
          title: 'Slices',
          nav: 'slices',
          body: slicesBody(q, result, await index.repos(), ms),
        }),
      );
    }
    const m = /^\/slices\/([^/]+)\/([^/]+)(?:\/(exclude|include|resend))?$/.exec(path);
    if (m === null)
      return send(
        res,
        404,
        page({
          title: 'Not found',
          nav: 'overview',
          body: html`<h1>Not found</h1>
            <p>${path}</p>`,
        }),
      );
    const repo = decodeURIComponent(m[1]!) === '_' ? '' : decodeURIComponent(m[1]!);
    const sliceId = decodeURIComponent(m[2]!);
    if (m[3] !== undefined) {
      if (req.method !== 'POST')
        return send(res, 405, 'POST a form\n', 'text/plain; charset=utf-8');
      return decide(req, res, repo, sliceId, m[3]);
    }
    const index = await getIndex();
    const row = await index.slice(repo, sliceId);
    if (row === undefined)
      return send(
        res,
        404,
        page({
          title: 'Not found',
          nav: 'slices',
          body: html`<h1>No slice ${sliceId} in ${repo === '' ? 'the top folder' : repo}</h1>
            <p>It may have been added since the index was built: it is rebuilt within seconds.</p>`,
        }),
      );
    const view = await readSliceView(
      { paths, config, index, csrf },
      row,
      url.searchParams.get('notice') ?? undefined,
    );
    return send(
      res,
      200,
      page({ title: row.slice_id ?? 'slice', nav: 'slices', body: sliceBody(view) }),
    );
  };

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const p = url.pathname;
      const ours =
        p === '/' ||
        p === '/overview.part' ||
        p === '/slices' ||
        p.startsWith('/slices/') ||
        p.startsWith('/assets/');
      if (!ours) return false;
      const post = /\/(exclude|include|resend)$/.test(p);
      if (!post && req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'GET only\n', 'text/plain; charset=utf-8');
        return true;
      }
      route(req, res, url).catch((err: unknown) => {
        log.error({ err }, `review page ${p}: ${errorMessage(err)}`);
        if (!res.headersSent)
          send(res, 500, `error: ${errorMessage(err)}\n`, 'text/plain; charset=utf-8');
        else res.end();
      });
      return true;
    },
    async close() {
      await opening?.then(
        (index) => index.close(),
        () => undefined,
      );
      await journal?.close();
    },
  };
}
