/**
 * The slices list (search and filters) and a slice's page: its code, the requests as sent
 * (model, prompts, attempt), every answer rendered, its fate and reason, the record compile
 * makes of it, the reviewers' decisions, and the forms to exclude it or send it again. Pure:
 * the server reads the lines and passes them in.
 */
import { FAILURE_CATEGORY_LIST } from '../compile/failure-categories.ts';
import { CATEGORY_LABELS } from './compiled-categories.ts';
import { count, html, Html, renderValue, sliceUrl } from './html.ts';
import type { ReviewDecision } from '../domain/review-journal.ts';
import type { SearchQuery, SearchResult, SliceRow } from './slice-queries.ts';

const CATEGORIES = ['record', ...FAILURE_CATEGORY_LIST];

function options(
  values: readonly string[],
  selected: string | undefined,
  label = (v: string) => v,
): Html {
  return html`${values.map((v) => html`<option value="${v}" ${new Html(v === (selected ?? '') ? ' selected' : '')}>${label(v)}</option>`)}`;
}

function query(q: SearchQuery, page: number): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, page: page === 0 ? undefined : String(page) })) {
    if (v !== undefined && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s === '' ? '/slices' : `/slices?${s}`;
}

export function slicesBody(
  q: SearchQuery,
  result: SearchResult,
  repos: readonly string[],
  ms: number,
): Html {
  const page = q.page ?? 0;
  const first = page * result.pageSize;
  return html`<h1>Slices</h1>
    <form method="get" action="/slices" class="search" role="search">
      <input
        type="search"
        name="q"
        value="${q.q ?? ''}"
        placeholder="slice id, name, file path or repo"
        aria-label="search"
        autofocus
      />
      <select name="category" aria-label="category">
        <option value="">any standing</option>
        ${options(CATEGORIES, q.category, (v) => `${v}: ${CATEGORY_LABELS[v as keyof typeof CATEGORY_LABELS]}`)}
      </select>
      <select name="scenario" aria-label="scenario">
        <option value="">any scenario</option>
        ${options(['scenario1', 'scenario2'], q.scenario)}
      </select>
      <select name="repo" aria-label="repo">
        <option value="">any repo</option>
        ${options(
          repos.map((r) => (r === '' ? '_' : r)),
          q.repo,
          (r) => (r === '_' ? '(top folder)' : r),
        )}
      </select>
      <button type="submit">Search</button>
    </form>
    <p class="muted" id="result-count">
      ${result.total === 0 ? 'No slice matches.' : html`${count(first + 1)}–${count(first + result.rows.length)} of ${count(result.total)}${result.more ? '+' : ''}`}
      (${ms} ms)
    </p>
    <table class="grid" id="results">
      <tr>
        <th>slice</th>
        <th>repo</th>
        <th>file path</th>
        <th>scenario</th>
        <th>standing</th>
        <th>reason</th>
      </tr>
      ${result.rows.map(
        (r) =>
          html`<tr>
            <td>
              ${r.slice_id === null ? html`<span class="muted">${r.source}:${r.line}</span>` : html`<a href="${sliceUrl(r.repo, r.slice_id)}">${r.slice_id}</a><br /><span class="muted">${r.name ?? ''}</span>`}
            </td>
            <td>${r.repo === '' ? '(top)' : r.repo}</td>
            <td>${r.file_path ?? ''}</td>
            <td>${r.scenario ?? ''}</td>
            <td><span class="cat cat-${r.category}">${r.category}</span></td>
            <td class="reason">${r.reason ?? ''}</td>
          </tr>`,
      )}
    </table>
    <nav class="pages">
      ${page > 0 ? html`<a href="${query(q, page - 1)}">previous</a>` : ''}
      ${first + result.rows.length < result.total ? html`<a href="${query(q, page + 1)}" rel="next">next</a>` : ''}
    </nav>`;
}

export interface SliceView {
  readonly row: SliceRow;
  /** The slice's line, parsed (or its text when it is not a slice). */
  readonly slice: Record<string, unknown> | string;
  readonly requests: readonly { attempt: number; file: string; request: unknown }[];
  readonly answers: readonly {
    attempt: number;
    batch_id: string;
    file: string;
    /** The answer parsed, or why it is not usable. */
    answer: { ok: true; value: unknown } | { ok: false; reason: string; raw: string };
  }[];
  /** The record compile writes of it (from its usable answer), if any. */
  readonly record: string | undefined;
  readonly decisions: readonly ReviewDecision[];
  readonly csrf: string;
  /** A message after a decision (from the query string). */
  readonly notice: string | undefined;
}

function messagesOf(request: unknown): Html {
  const body = (
    request as { body?: { model?: string; messages?: { role: string; content: unknown }[] } }
  ).body;
  return html`<p>model <code>${body?.model ?? '?'}</code></p>
    ${(body?.messages ?? []).map(
      (m) =>
        html`<h4>${m.role}</h4>
          <pre class="prompt">
${typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 2)}</pre>`,
    )}`;
}

export function sliceBody(v: SliceView): Html {
  const r = v.row;
  const s = typeof v.slice === 'string' ? undefined : v.slice;
  const action = `${sliceUrl(r.repo, r.slice_id ?? '')}`;
  const latestAnswer = v.answers.filter((a) => a.answer.ok).at(-1);
  return html`<h1>
      ${r.slice_id ?? `${r.source}:${r.line}`} <span class="muted">${r.name ?? ''}</span>
    </h1>
    ${v.notice === undefined ? '' : html`<p class="notice" role="status">${v.notice}</p>`}
    <section id="fate">
      <h2>Standing</h2>
      <p>
        <span class="cat cat-${r.category}">${r.category}</span
        >${r.attempt === null ? '' : html` attempt ${r.attempt}`}${r.batch_id === null ? '' : html`, batch <code>${r.batch_id}</code>`}
      </p>
      ${r.reason === null ? '' : html`<p class="reason">${r.reason}</p>`}
      <p class="muted">
        ${r.repo === '' ? '(top folder)' : r.repo} · ${r.source} line ${r.line} ·
        ${r.file_path ?? ''} · ${r.scenario ?? ''} · ${r.complexity ?? ''}
      </p>
    </section>
    ${
      r.custom_id === null
        ? ''
        : html`<section id="review">
            <h2>Review</h2>
            <form method="post" action="${action}/exclude">
              <input type="hidden" name="csrf" value="${v.csrf}" /><input
                type="hidden"
                name="attempt"
                value="${latestAnswer?.attempt ?? r.attempt ?? 1}"
              />
              <input
                name="reason"
                required
                placeholder="why this answer must not be trained on"
                aria-label="reason to exclude"
              /><button type="submit">Exclude from the dataset</button>
            </form>
            <form method="post" action="${action}/include">
              <input type="hidden" name="csrf" value="${v.csrf}" /><input
                type="hidden"
                name="attempt"
                value="${latestAnswer?.attempt ?? r.attempt ?? 1}"
              /><input type="hidden" name="reason" value="included again" /><button type="submit">
                Include again
              </button>
            </form>
            <form method="post" action="${action}/resend">
              <input type="hidden" name="csrf" value="${v.csrf}" /><input
                type="hidden"
                name="attempt"
                value="${r.attempt ?? 1}"
              />
              <input
                name="reason"
                required
                placeholder="why it should be sent again"
                aria-label="reason to resend"
              /><button type="submit">Send again</button>
            </form>
            ${
              v.decisions.length === 0
                ? ''
                : html`<h3>Decisions</h3>
                    <ul id="decisions">
                      ${v.decisions.map((d) => html`<li>${d.at}: <strong>${d.t}</strong> attempt ${d.attempt}: ${d.reason}</li>`)}
                    </ul>`
            }
          </section>`
    }
    <section id="answers">
      <h2>Answers</h2>
      ${
        v.answers.length === 0
          ? html`<p class="muted">No answer yet.</p>`
          : v.answers.map(
              (a) =>
                html`<article class="answer">
                  <h3>attempt ${a.attempt} · batch <code>${a.batch_id}</code></h3>
                  ${
                    a.answer.ok
                      ? renderValue(a.answer.value)
                      : html`<p class="reason">${a.answer.reason}</p>
                          <pre>${a.answer.raw}</pre>`
                  }
                </article>`,
            )
      }
    </section>
    <section id="code">
      <h2>Code</h2>
      ${s === undefined ? html`<pre>${v.slice as string}</pre>` : html`<pre class="code">${typeof s['code_snippet'] === 'string' ? s['code_snippet'] : JSON.stringify(s, null, 2)}</pre>`}
    </section>
    <section id="requests">
      <h2>Requests as sent</h2>
      ${v.requests.length === 0 ? html`<p class="muted">Not converted yet.</p>` : v.requests.map((q) => html`<details${new Html(q.attempt === v.requests.at(-1)!.attempt ? ' open' : '')}><summary>attempt ${q.attempt} · ${q.file}</summary>${messagesOf(q.request)}</details>`)}
    </section>
    <section id="record">
      <h2>Compiled record</h2>
      ${v.record === undefined ? html`<p class="muted">No record: ${r.category}.</p>` : html`<pre class="record">${v.record}</pre>`}
    </section>`;
}
