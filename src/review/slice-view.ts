/**
 * What a slice's page shows, read from the files the index points at: its line in the
 * reviewed file, each request as sent (batch input files), each answer (results and error
 * files), the record compile makes of its usable answer, and the reviewers' decisions on it.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRecord } from '../compile/record-format.ts';
import { scenario1Text, scenario2Text } from '../compile/record-text.ts';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Scenario, Scenario1AnswerT, Scenario2AnswerT } from '../domain/answer-schemas.ts';
import { chooseRequirement } from '../domain/slice-fields.ts';
import { errorMessage } from '../errors.ts';
import type { ClassSlice, FunctionSlice } from '../domain/slice-schema.ts';
import { answerOf } from '../poll/request-fate.ts';
import { readReviewJournal, REVIEW_FILE, type ReviewDecision } from '../domain/review-journal.ts';
import type { SliceView } from './slice-pages.ts';
import type { Located, SliceIndex, SliceRow } from './slice-queries.ts';

export interface SliceViewContext {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly index: SliceIndex;
  readonly csrf: string;
}

export async function readAt(path: string, offset: number, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, offset);
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The decisions on one slice, oldest first (the journal is small: one line per decision). */
export async function decisionsOf(
  stateDir: string,
  repo: string,
  customId: string,
): Promise<ReviewDecision[]> {
  const out: ReviewDecision[] = [];
  for await (const d of readReviewJournal<ReviewDecision>(join(stateDir, REVIEW_FILE))) {
    if (d.repo === repo && d.custom_id === customId) out.push(d);
  }
  return out;
}

export async function readSliceView(
  ctx: SliceViewContext,
  row: SliceRow,
  notice: string | undefined,
): Promise<SliceView> {
  const { paths, config, index, csrf } = ctx;
  const text = await readAt(join(paths.dataDir, row.source), row.offset, row.length);
  let slice: Record<string, unknown> | string = text;
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      slice = v as Record<string, unknown>;
  } catch {
    // shown as text
  }
  const located = async (l: Located): Promise<string> =>
    readAt(join(paths.dataDir, l.file), l.offset, l.length);
  const customId = row.custom_id;
  const requests = customId === null ? [] : await index.requests(row.repo, customId);
  const answers = customId === null ? [] : await index.answers(row.repo, customId);
  const scenario = (row.scenario ?? undefined) as Scenario | undefined;
  const answerViews: SliceView['answers'][number][] = [];
  for (const a of answers) {
    const raw = await located(a);
    let outcome: SliceView['answers'][number]['answer'];
    try {
      const line = JSON.parse(raw) as {
        response?: { status_code?: number; body?: unknown } | null;
        error?: { message?: string } | null;
      };
      if (line.response?.status_code === 200) {
        const o = answerOf(line.response.body, scenario);
        outcome =
          o.kind === 'usable'
            ? { ok: true, value: o.answer }
            : { ok: false, reason: o.reason, raw };
      } else {
        outcome = {
          ok: false,
          reason: `HTTP ${line.response?.status_code ?? '?'} ${line.error?.message ?? ''}`,
          raw,
        };
      }
    } catch (err) {
      outcome = { ok: false, reason: `not JSON: ${errorMessage(err)}`, raw };
    }
    answerViews.push({
      attempt: a.attempt,
      batch_id: a.batch_id ?? '',
      file: a.file,
      answer: outcome,
    });
  }
  let record: string | undefined;
  const usable = answerViews.filter((a) => a.answer.ok).at(-1);
  if (
    usable !== undefined &&
    usable.answer.ok &&
    typeof slice === 'object' &&
    row.category === 'record'
  ) {
    const s = slice as unknown as FunctionSlice | ClassSlice;
    const requirement =
      s.type === 'class'
        ? chooseRequirement(s.id, config.scenarios.scenario2.requirements)
        : undefined;
    const textOf =
      s.type === 'function'
        ? scenario1Text(s, usable.answer.value as Scenario1AnswerT)
        : scenario2Text(s, requirement!, usable.answer.value as Scenario2AnswerT);
    const formatted = formatRecord(config.compile.format, textOf, {
      custom_id: customId!,
      scenario: scenario!,
      repo: row.repo,
      slice_id: s.id,
      file_path: s.file_path,
      name: s.name,
      complexity: s.complexity,
      attempt: usable.attempt,
      batch_id: usable.batch_id,
      ...(requirement === undefined ? {} : { requirement: requirement.title }),
    });
    record = JSON.stringify(
      JSON.parse(formatted.head + formatted.tail.replace(/\n$/, '')),
      null,
      2,
    );
  }
  return {
    row,
    slice,
    requests: await Promise.all(
      requests.map(async (q) => ({
        attempt: q.attempt,
        file: q.file,
        request: JSON.parse(await located(q)) as unknown,
      })),
    ),
    answers: answerViews,
    record,
    decisions: customId === null ? [] : await decisionsOf(paths.state, row.repo, customId),
    csrf,
    notice,
  };
}
