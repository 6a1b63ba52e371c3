/**
 * The review page's GET routes, each read from the stages and rendered: the overview (the
 * status report and the jobs; alone, its live part), the search over the slice index, and one
 * slice with its answers; a page not found says what was asked for.
 */
import type { ServerResponse } from 'node:http';
import { readJobs } from '../jobs/job-store.ts';
import { readStatusFacts } from '../status/read-standing.ts';
import { buildStatusReport } from '../status/status-report.ts';
import { html, page } from './html.ts';
import { overviewBody, overviewPart } from './overview-page.ts';
import type { ReviewContext } from './review-context.ts';
import { send } from './review-http.ts';
import { sliceBody, slicesBody } from './slice-pages.ts';
import { readSliceView } from './slice-view.ts';

export async function overviewPage(
  ctx: ReviewContext,
  res: ServerResponse,
  partOnly: boolean,
): Promise<void> {
  const t = ctx.now();
  const facts = await readStatusFacts(ctx.paths, ctx.config, t);
  const jobs = [...(await readJobs(ctx.paths.batchOutput)).values()];
  const part = overviewPart(buildStatusReport(facts, t), jobs);
  const body = partOnly
    ? part.text
    : page({ title: 'Overview', nav: 'overview', body: overviewBody(part) });
  send(res, 200, body);
}

export async function searchPage(
  ctx: ReviewContext,
  res: ServerResponse,
  params: URLSearchParams,
): Promise<void> {
  const q = {
    q: params.get('q') ?? undefined,
    category: params.get('category') ?? undefined,
    scenario: params.get('scenario') ?? undefined,
    repo: params.get('repo') ?? undefined,
    page: Number(params.get('page') ?? 0) || 0,
  };
  const started = performance.now();
  const index = await ctx.index();
  const result = await index.search(q);
  const ms = Math.round(performance.now() - started);
  const body = slicesBody(q, result, await index.repos(), ms);
  send(res, 200, page({ title: 'Slices', nav: 'slices', body }));
}

export async function slicePage(
  ctx: ReviewContext,
  res: ServerResponse,
  target: { readonly repo: string; readonly sliceId: string; readonly notice?: string | undefined },
): Promise<void> {
  const { repo, sliceId } = target;
  const index = await ctx.index();
  const row = await index.slice(repo, sliceId);
  if (row === undefined) {
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
  }
  const { paths, config, csrf } = ctx;
  const view = await readSliceView({ paths, config, index, csrf }, row, target.notice);
  send(res, 200, page({ title: row.slice_id ?? 'slice', nav: 'slices', body: sliceBody(view) }));
}

export function notFoundPage(res: ServerResponse, path: string): void {
  send(
    res,
    404,
    page({
      title: 'Not found',
      nav: 'overview',
      body: html`<h1>Not found</h1>
        <p>${path}</p>`,
    }),
  );
}
