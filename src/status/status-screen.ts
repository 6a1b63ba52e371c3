/**
 * The status report as one screen a person reads at a glance (pure): the daemon, a submission
 * pause while it holds, what needs a person, the totals and the cost, the active batches with
 * a progress bar each, the input files. Colour only on a terminal; lines cut to its width.
 * Every string from the data (file names, ids, messages) is shown with its control characters
 * escaped (terminalText).
 */
import { pauseWords } from '../domain/submit-pause.ts';
import { formatCount, formatUsd, table, terminalText as safe } from '../format.ts';
import { inUseWords, type StatusReport } from './status-report.ts';

export interface ScreenOptions {
  /** ANSI colours (a terminal). */
  readonly colour: boolean;
  /** Terminal columns; lines are cut to fit. */
  readonly columns?: number | undefined;
  /** At most this many input files and batches are listed (the others are counted). */
  readonly maxRows?: number;
}

const COLOURS = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

function duration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const sign = seconds < 0 ? '-' : '';
  if (s < 90) return `${sign}${s}s`;
  if (s < 90 * 60) return `${sign}${Math.round(s / 60)}m`;
  const h = Math.floor(s / 3600);
  return `${sign}${h}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressBar(done: number, failed: number, total: number, width = 20): string {
  if (total <= 0) return `[${' '.repeat(width)}]`;
  const ok = Math.round((Math.min(done, total) / total) * width);
  const bad = Math.min(width - ok, Math.round((Math.min(failed, total) / total) * width));
  return `[${'#'.repeat(ok)}${'x'.repeat(bad)}${'.'.repeat(width - ok - bad)}]`;
}

type Paint = (colour: keyof typeof COLOURS, text: string) => string;

export function renderStatus(report: StatusReport, options: ScreenOptions): string {
  const paint: Paint = (colour, text) =>
    options.colour ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
  const maxRows = options.maxRows ?? 15;
  const out = [
    ...daemonLines(report, paint),
    ...listLines(
      paint('red', `Needs a person (${report.attention.length}):`),
      '!',
      report.attention,
      maxRows,
    ),
    ...listLines(`Noted (${report.notes.length}):`, '-', report.notes, maxRows),
    ...slicesLines(report, paint),
    ...costLines(report, paint),
    ...batchLines(report, paint, maxRows),
    ...inputLines(report, paint, maxRows),
  ];
  const width = options.columns;
  const lines = out.join('\n').split('\n');
  return `${(width === undefined ? lines : lines.map((l) => cut(l, width))).join('\n')}\n`;
}

/** The daemon's state, the next poll, a submission pause while it holds. */
function daemonLines(report: StatusReport, paint: Paint): string[] {
  const out: string[] = [];
  const d = report.daemon;
  const state =
    d.state === 'running'
      ? paint('green', 'running')
      : d.state === 'unhealthy'
        ? paint('red', 'UNHEALTHY')
        : paint('yellow', d.state.replace('_', ' '));
  out.push(
    `${paint('bold', 'slicebatch')} ${safe(report.data_dir)}  daemon: ${state}${d.emulator ? ' (emulator)' : ''}  ${paint('dim', report.generated_at)}`,
  );
  out.push(`  ${safe(d.detail)}`);
  if (d.next_poll_at !== null && d.state === 'running')
    out.push(`  next poll ${safe(d.next_poll_at)}`);
  const busy = inUseWords(report.in_use_by);
  if (busy !== undefined) out.push(paint('yellow', `  ${safe(busy)}`));
  const pause = report.submit_pause;
  if (pause !== null) {
    out.push(paint('yellow', `  ${safe(pauseWords(pause.until, pause.reason))}`));
  }
  return out;
}

/** A list of messages under its heading (what needs a person, what was noted); none: nothing. */
function listLines(
  heading: string,
  mark: string,
  items: StatusReport['attention'],
  maxRows: number,
): string[] {
  if (items.length === 0) return [];
  const out = ['', heading];
  for (const a of items.slice(0, maxRows)) out.push(`  ${mark} ${safe(a.message)}`);
  if (items.length > maxRows) out.push(`  ... ${items.length - maxRows} more`);
  return out;
}

function slicesLines(report: StatusReport, paint: Paint): string[] {
  const t = report.totals;
  return [
    '',
    paint('bold', 'Slices'),
    table([
      ['input files', 'slices', 'rejected', 'sent', 'results', 'failed', 'pending', 'unsent'],
      [t.input_files, t.slices, t.rejected, t.sent, t.results, t.failed, t.pending, t.unsent].map(
        formatCount,
      ),
    ]),
  ];
}

function costLines(report: StatusReport, paint: Paint): string[] {
  const u = report.usage;
  const out = [
    '',
    paint('bold', 'Tokens and cost'),
    `  reported by the API: ${formatCount(u.input_tokens)} in, ${formatCount(u.output_tokens)} out, ${formatUsd(u.cost_usd)}`,
    `  estimated, batches without usage yet: ${formatCount(u.estimated_prompt_tokens)} prompt tokens, ${formatUsd(u.estimated_cost_usd)}`,
    `  total so far ${paint('bold', formatUsd(u.total_cost_usd))}; not submitted yet: about ${formatUsd(u.unsubmitted_cost_usd)}`,
  ];
  const dup = report.duplicates;
  if (dup.requests > 0) {
    out.push(
      `  duplicates not sent: ${formatCount(dup.requests)} requests, ${formatCount(dup.prompt_tokens)} prompt tokens, about ${formatUsd(dup.saved_usd)} saved`,
    );
  }
  return out;
}

/** The batches per status, and the active ones with a progress bar each. */
function batchLines(report: StatusReport, paint: Paint, maxRows: number): string[] {
  const batches = Object.entries(report.totals.batches)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const out = ['', paint('bold', `Batches${batches === '' ? ': none' : ` (${batches})`}`)];
  if (report.active_batches.length === 0) return out;
  const rows = report.active_batches
    .slice(0, maxRows)
    .map((b) => [
      safe(b.batch_id),
      safe(b.provider),
      safe(b.status),
      `${progressBar(b.completed, b.failed, b.total)} ${formatCount(b.completed + b.failed)}/${formatCount(b.total)}`,
      `age ${duration(b.age_s)}`,
      b.deadline_in_s < 3600
        ? paint('red', `deadline in ${duration(b.deadline_in_s)}`)
        : `deadline in ${duration(b.deadline_in_s)}`,
      safe(b.file),
    ]);
  out.push(table(rows));
  if (report.active_batches.length > maxRows)
    out.push(`  ... ${report.active_batches.length - maxRows} more active batches`);
  return out;
}

/** The input files, the ones with something to say first: pending or unsent work, failures. */
function inputLines(report: StatusReport, paint: Paint, maxRows: number): string[] {
  if (report.inputs.length === 0) return [];
  const rows = [...report.inputs]
    .sort((a, b) => b.pending + b.unsent + b.failed - (a.pending + a.unsent + a.failed))
    .slice(0, maxRows);
  const out = [
    '',
    paint('bold', 'Input files'),
    table([
      ['file', 'slices', 'rejected', 'sent', 'results', 'failed', 'pending'],
      ...rows.map((i) => [
        safe(i.file),
        ...[i.slices, i.rejected, i.sent, i.results, i.failed, i.pending].map(formatCount),
      ]),
    ]),
  ];
  if (report.inputs.length > maxRows)
    out.push(
      `  ... ${report.inputs.length - maxRows} more input files (slicebatch status --json lists all)`,
    );
  return out;
}

/** Cuts a line to `width` visible characters, keeping colour codes whole. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width) break;
    out += line[i];
    visible++;
  }
  return out.includes('\x1b[') && !out.endsWith('\x1b[0m') ? `${out}\x1b[0m` : out;
}
