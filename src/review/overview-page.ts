/**
 * The overview: the daemon (and a kept submission pause), what needs a person, progress per
 * repo folder and per input file, the active batches with their progress and the time left of
 * their window, and the spend (reported and estimated) with a chart of it over time. Built from
 * `slicebatch status`'s report (the same facts, the same numbers) and the job files. Pure.
 */
import { pauseWords } from '../domain/submit-pause.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { inUseWords, type InputStanding, type StatusReport } from '../status/status-report.ts';
import { count, html, money, type Html } from './html.ts';

const COLUMNS = ['slices', 'rejected', 'unsent', 'sent', 'results', 'failed', 'pending'] as const;

function progressRow(label: Html | string, s: Omit<InputStanding, 'file' | 'repo'>): Html {
  return html`<tr>
    <td>${label}</td>
    ${COLUMNS.map((c) => html`<td class="num" data-col="${c}">${count(s[c])}</td>`)}
  </tr>`;
}

function duration(s: number): string {
  const abs = Math.abs(s);
  const text =
    abs >= 3600
      ? `${Math.floor(abs / 3600)} h ${Math.floor((abs % 3600) / 60)} min`
      : abs >= 60
        ? `${Math.floor(abs / 60)} min`
        : `${Math.round(abs)} s`;
  return s < 0 ? `${text} past` : text;
}

/** Cumulative spend over time (reported cost, else the estimate) as an inline SVG line. */
export function spendChart(jobs: readonly JobRecord[]): Html {
  const points = jobs
    .map((j) => ({ t: Date.parse(j.submitted_at), usd: j.cost_usd ?? j.estimated_cost_usd ?? 0 }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  if (points.length === 0) return html`<p class="muted">No batch submitted yet.</p>`;
  let total = 0;
  const series = points.map((p) => ({ t: p.t, usd: (total += p.usd) }));
  const [w, h, pad] = [600, 140, 24];
  const t0 = series[0]!.t;
  const span = Math.max(1, series[series.length - 1]!.t - t0);
  const top = Math.max(total, 1e-9);
  const xy = series.map((p) => {
    const x = pad + ((p.t - t0) / span) * (w - 2 * pad);
    const y = h - pad - (p.usd / top) * (h - 2 * pad);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const first = new Date(t0).toISOString().replace('T', ' ').slice(0, 19);
  return html`<svg
    class="chart"
    viewBox="0 0 ${w} ${h}"
    role="img"
    aria-label="spend over time: ${money(total)} in all"
  >
    <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" class="axis" />
    <polyline
      points="${(series.length === 1 ? [`${pad},${h - pad}`, ...xy] : xy).join(' ')}"
      class="line"
    />
    <text x="${pad}" y="${h - 6}">${first} UTC</text>
    <text x="${w - pad}" y="14" text-anchor="end">${money(total)}</text>
  </svg>`;
}

/** The part of the overview that updates live (polled by the page every few seconds). */
export function overviewPart(report: StatusReport, jobs: readonly JobRecord[]): Html {
  const d = report.daemon;
  const pause = report.submit_pause;
  const inUse = inUseWords(report.in_use_by);
  const byRepo = new Map<string, Record<(typeof COLUMNS)[number], number>>();
  for (const i of report.inputs) {
    const r = byRepo.get(i.repo) ?? {
      slices: 0,
      rejected: 0,
      unsent: 0,
      sent: 0,
      results: 0,
      failed: 0,
      pending: 0,
    };
    for (const c of COLUMNS) r[c] += i[c];
    byRepo.set(i.repo, r);
  }
  const u = report.usage;
  const head = html`<tr>
    <th></th>
    ${COLUMNS.map((c) => html`<th class="num">${c}</th>`)}
  </tr>`;
  return html`<section id="daemon">
      <h2>Daemon</h2>
      <p>
        <span class="state state-${d.state}">${d.state}</span>
        ${d.detail}${d.emulator ? ' (emulator: nothing leaves the machine)' : ''}
      </p>
      ${d.last_poll_at === null ? '' : html`<p class="muted">last poll ${d.last_poll_at}${d.next_poll_at === null ? '' : html`, next ${d.next_poll_at}`}</p>`}
      ${inUse === undefined ? '' : html`<p id="in-use">${inUse}</p>`}
      ${pause === null ? '' : html`<p id="submit-pause">${pauseWords(pause.until, pause.reason)}</p>`}
    </section>
    <section id="attention">
      <h2>Needs a person</h2>
      ${
        report.attention.length === 0
          ? html`<p class="muted">Nothing.</p>`
          : html`<ul>
              ${report.attention.map((a) => html`<li><strong>${a.kind}</strong>: ${a.message}</li>`)}
            </ul>`
      }
    </section>
    <section id="progress">
      <h2>Progress</h2>
      <table class="grid" id="totals">
        ${head}${progressRow(html`<strong>all</strong>`, report.totals)}
      </table>
      <h3>By repo folder</h3>
      <table class="grid" id="by-repo">
        ${head}${[...byRepo].map(([repo, s]) =>
          progressRow(
            html`<a href="/slices?repo=${repo === '' ? '_' : repo}"
              >${repo === '' ? '(top folder)' : repo}</a
            >`,
            s,
          ),
        )}
      </table>
      <h3>By input file</h3>
      <table class="grid" id="by-file">
        ${head}${report.inputs.map((i) => progressRow(i.file, i))}
      </table>
    </section>
    <section id="batches">
      <h2>Active batches</h2>
      ${
        report.active_batches.length === 0
          ? html`<p class="muted">None.</p>`
          : html`<table class="grid">
              <tr>
                <th>batch</th>
                <th>status</th>
                <th>progress</th>
                <th class="num">done</th>
                <th>age</th>
                <th>window left</th>
              </tr>
              ${report.active_batches.map(
                (b) =>
                  html`<tr>
                    <td>${b.batch_id}<br /><span class="muted">${b.file}</span></td>
                    <td>${b.status}</td>
                    <td>
                      <progress
                        max="${Math.max(1, b.total)}"
                        value="${b.completed + b.failed}"
                      ></progress>
                    </td>
                    <td class="num">${count(b.completed + b.failed)} / ${count(b.total)}</td>
                    <td>${duration(b.age_s)}</td>
                    <td>${duration(b.deadline_in_s)}</td>
                  </tr>`,
              )}
            </table>`
      }
    </section>
    <section id="spend">
      <h2>Spend</h2>
      <p>
        Reported by the API:
        <strong id="cost-reported">${money(u.cost_usd)}</strong> (${count(u.input_tokens)} input,
        ${count(u.output_tokens)} output tokens); estimated for batches without usage yet:
        <strong id="cost-estimated">${money(u.estimated_cost_usd)}</strong>; in all
        ${money(u.total_cost_usd)}; waiting to be submitted: ${money(u.unsubmitted_cost_usd)}.
      </p>
      ${spendChart(jobs)}
    </section>
    <p class="muted" id="generated">as of ${report.generated_at}</p>`;
}

export function overviewBody(part: Html): Html {
  return html`<h1>Overview</h1>
    <div id="overview" data-live="/overview.part">${part}</div>`;
}
