/**
 * A review decision (exclude, include, resend an answer), from its POST to the journal: the
 * request is checked (same origin, a form, this process's CSRF token, a reason, an attempt:
 * `decisionForm`, pure), the slice looked up, the decision journaled and told, and the browser
 * sent back to the slice's page with a notice of what follows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReviewDecision } from '../domain/review-journal.ts';
import { sliceUrl } from './html.ts';
import type { ReviewContext } from './review-context.ts';
import { PLAIN_TEXT, readForm, sameOrigin, sameToken, send } from './review-http.ts';
import type { ReviewAction } from './review-route.ts';

/** The reason and attempt of a posted form, or the refusal (status and message). */
export function decisionForm(
  form: URLSearchParams,
  csrf: string,
):
  | { readonly ok: true; readonly reason: string; readonly attempt: number }
  | { readonly ok: false; readonly status: number; readonly message: string } {
  if (!sameToken(form.get('csrf') ?? '', csrf)) {
    return { ok: false, status: 403, message: 'missing or stale form token: reload the page\n' };
  }
  const reason = (form.get('reason') ?? '').trim();
  const attempt = Number(form.get('attempt'));
  if (reason === '' || reason.length > 2000) {
    return {
      ok: false,
      status: 400,
      message: 'a reason (up to 2,000 characters) is required\n',
    };
  }
  if (!Number.isInteger(attempt) || attempt < 1) {
    return { ok: false, status: 400, message: '"attempt" must be a whole number from 1\n' };
  }
  return { ok: true, reason, attempt };
}

/** What the page says once a decision is journaled. */
export function decisionNotice(action: ReviewAction): string {
  if (action === 'resend') return 'Journaled: the daemon sends it again as a new attempt.';
  if (action === 'exclude') return 'Journaled: the next compile leaves this answer out.';
  return 'Journaled: the next compile includes it again.';
}

export async function decide(
  ctx: ReviewContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: { readonly repo: string; readonly sliceId: string; readonly action: ReviewAction },
): Promise<void> {
  const { repo, sliceId, action } = target;
  if (!sameOrigin(req)) return send(res, 403, 'cross-site request refused\n', PLAIN_TEXT);
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return send(res, 415, 'a form is expected\n', PLAIN_TEXT);
  }
  const form = decisionForm(await readForm(req), ctx.csrf);
  if (!form.ok) return send(res, form.status, form.message, PLAIN_TEXT);
  const row = await (await ctx.index()).slice(repo, sliceId);
  if (row?.custom_id === null || row === undefined) {
    return send(res, 404, 'no such slice\n', PLAIN_TEXT);
  }
  const { reason, attempt } = form;
  const decision: ReviewDecision = {
    t: action,
    repo,
    custom_id: row.custom_id,
    attempt,
    reason,
    at: new Date(ctx.now()).toISOString(),
  };
  await (await ctx.journal()).append(decision);
  ctx.log.info(
    { decision },
    `review: ${action} ${repo}/${sliceId} (attempt ${attempt}): ${reason}`,
  );
  ctx.onDecision?.(decision);
  const notice = decisionNotice(action);
  res
    .writeHead(303, {
      location: `${sliceUrl(repo, sliceId)}?notice=${encodeURIComponent(notice)}`,
    })
    .end();
}
