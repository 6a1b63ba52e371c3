/**
 * The categories only compile can tell, on the review page. The search index classifies each
 * slice from the stage files, the ledger and the review journal (slice-index.ts); some of
 * compile's categories need compile's own reading: a usable answer it could not make a record
 * of (`empty_answer`, `over_token_limit`, `fine_tuning_format`) looks like a record there, and a
 * line the rejects report refused (a duplicate, a request too large) looks not converted. So
 * the index also reads compile's newest failures report (`5.final_output/failures_<ts>.jsonl`,
 * streamed) and takes its category for a slice's line when the report judged the same thing:
 *
 * - `rejected`: always (a line's rejection does not change);
 * - over a record: when the report judged the same attempt (the newer ledger wins otherwise),
 *   but for `excluded_by_reviewer`: the review journal, read live, says that one;
 * - over "not converted": when the report names no attempt (compile read the rejects reports).
 *
 * Every category of compile (failure-categories.ts) has a label here, so the page can show and
 * filter it; a category added there without one fails the typecheck and the page's test.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailureCategory, FailureEntry } from '../compile/failure-categories.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import type { Database } from './sqlite.ts';

/** What each standing means, for the page's filter and its legend. */
export const CATEGORY_LABELS: Readonly<Record<FailureCategory | 'record', string>> = {
  record: 'in the dataset',
  rejected: 'its line cannot be used (rejects report: not JSON, a duplicate, too large, ...)',
  final: 'sent, no usable result will come',
  ungrounded: 'its answer quotes code the slice does not have',
  refused: 'the model refused, or the content filter stopped its answer',
  empty_answer: 'the answer has the structure but blank texts',
  excluded_by_reviewer: 'left out by a reviewer',
  over_token_limit: 'more tokens than the fine-tuning example limit',
  fine_tuning_format: 'fails the fine-tuning format checks (OpenAI)',
  pending: 'a result may still come',
  not_submitted: 'converted, its batch input file not submitted yet',
  not_converted: 'in no batch input file',
};

const FAILURES_FILE = /^failures_\d{8}_\d{6}\.jsonl$/;

/** The newest failures report compile wrote, if any. */
export async function newestFailuresReport(paths: DataPaths): Promise<string | undefined> {
  const names = await readdir(paths.finalOutput).catch(() => [] as string[]);
  const newest = names
    .filter((n) => FAILURES_FILE.test(n))
    .sort()
    .at(-1);
  return newest === undefined ? undefined : join(paths.finalOutput, newest);
}

/** Takes the report's category for the slices it judged (the rules above). */
export async function applyCompiledCategories(db: Database, paths: DataPaths): Promise<number> {
  const report = await newestFailuresReport(paths);
  if (report === undefined) return 0;
  db.exec(`CREATE TEMP TABLE report (source TEXT NOT NULL, line INTEGER NOT NULL,
    category TEXT NOT NULL, reason TEXT, attempt INTEGER)`);
  const insert = db.prepare('INSERT INTO report VALUES (?,?,?,?,?)');
  db.exec('BEGIN');
  for await (const lines of readLineBatches(report)) {
    for (const l of lines) {
      if (l.kind !== 'text') continue;
      let e: Partial<FailureEntry>;
      try {
        e = JSON.parse(l.text) as Partial<FailureEntry>;
      } catch {
        continue;
      }
      if (typeof e.file !== 'string' || typeof e.line !== 'number') continue;
      if (typeof e.category !== 'string' || !(e.category in CATEGORY_LABELS)) continue;
      insert.run(e.file, e.line, e.category, e.reason ?? null, e.attempt ?? null);
    }
  }
  db.exec(`COMMIT; CREATE INDEX temp.report_key ON report (source, line)`);
  const changed = db
    .prepare(
      `UPDATE slices SET category = r.category, reason = r.reason FROM report r
        WHERE slices.source = r.source AND slices.line = r.line
          AND (r.category = 'rejected'
            OR (slices.category = 'record' AND r.attempt = slices.attempt
              AND r.category <> 'excluded_by_reviewer')
            OR (slices.category = 'not_converted' AND r.attempt IS NULL))`,
    )
    .run();
  db.exec('DROP TABLE temp.report');
  return Number(changed.changes);
}
