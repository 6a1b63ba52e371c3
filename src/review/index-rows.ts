/**
 * The rows of the review page's search index (slice-index.ts), streamed in from the stage files
 * table by table, in transactions of a few thousand rows (fast, and a build never holds much in
 * memory): a row per line of the reviewed files (`sliceRow`, pure), the requests of the batch
 * input files and the answers of the results files (each by byte offset), the batch of each
 * submitted file, and the latest fate of each request from the ledger. Each returns its count.
 */
import { join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import { customIdOfLine } from '../domain/batch-input-ids.ts';
import { buildCustomId, parseCustomId, scenarioOf } from '../domain/custom-id.ts';
import { isBatchInputName } from '../domain/file-names.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import { LEDGER_FILE, readLedger } from '../domain/ledger.ts';
import { parseSliceLine } from '../domain/parse-slice.ts';
import { readJobs } from '../jobs/job-store.ts';
import { stat } from 'node:fs/promises';
import { listFiles } from '../storage/list-files.ts';
import { linesWithOffsets } from './line-offsets.ts';
import type { Database } from './sqlite.ts';

const BATCH_ROWS = 5000;

/** In transactions of a few thousand rows: fast, and a build never holds much in memory. */
function batched(db: Database): { run(fn: () => void): void; end(): void } {
  let rows = 0;
  db.exec('BEGIN');
  return {
    run(fn) {
      fn();
      if (++rows % BATCH_ROWS === 0) db.exec('COMMIT; BEGIN');
    },
    end: () => db.exec('COMMIT'),
  };
}

type SliceRowValues = [
  repo: string,
  sliceId: string | null,
  customId: string | null,
  name: string | null,
  filePath: string | null,
  scenario: string | null,
  complexity: string | null,
  source: string,
  line: number,
  offset: number,
  length: number,
  category: string,
  reason: string | null,
];

/** The slices row of one reviewed line: its slice's fields, or rejected with the reason (pure). */
export function sliceRow(
  repo: string,
  source: string,
  l: {
    readonly text: string;
    readonly lineNo: number;
    readonly offset: number;
    readonly length: number;
  },
): SliceRowValues {
  const where = [source, l.lineNo, l.offset, l.length] as const;
  const parsed = parseSliceLine(l.text);
  if (!parsed.ok) {
    return [
      repo,
      parsed.id ?? null,
      null,
      null,
      null,
      null,
      null,
      ...where,
      'rejected',
      parsed.reason,
    ];
  }
  const s = parsed.slice;
  const scenario = scenarioOf(s);
  const customId = buildCustomId(scenario, s.id);
  return [
    repo,
    s.id,
    customId,
    s.name,
    s.file_path,
    scenario,
    s.complexity,
    ...where,
    'not_converted',
    null,
  ];
}

/** The reviewed slices, line by line. */
export async function fillSlices(
  db: Database,
  paths: DataPaths,
  display: (p: string) => string,
): Promise<number> {
  let count = 0;
  const insertSlice = db.prepare(
    `INSERT INTO slices (repo, slice_id, custom_id, name, file_path, scenario, complexity, source,
       line, offset, length, category, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const tx = batched(db);
  for (const f of await listFiles(paths.reviewed, isReviewedSliceFile)) {
    const source = display(f.path);
    for await (const lines of linesWithOffsets(f.path)) {
      for (const l of lines) {
        const row = sliceRow(f.relDir, source, l);
        count++;
        tx.run(() => insertSlice.run(...row));
      }
    }
  }
  tx.end();
  return count;
}

/** The requests as sent, from the batch input files. */
export async function fillRequests(
  db: Database,
  paths: DataPaths,
  display: (p: string) => string,
): Promise<number> {
  let count = 0;
  const insertRequest = db.prepare('INSERT INTO requests VALUES (?,?,?,?,?,?)');
  const tx = batched(db);
  const inputs = await listFiles(paths.batchInput, (rel) =>
    isBatchInputName(rel.split('/').pop()!),
  );
  for (const f of inputs) {
    const file = display(f.path);
    for await (const lines of linesWithOffsets(f.path)) {
      for (const l of lines) {
        const id = customIdOfLine(l.text);
        if (id === undefined) continue;
        const { base, attempt } = parseCustomId(id);
        count++;
        tx.run(() => insertRequest.run(f.relDir, base, attempt, file, l.offset, l.length));
      }
    }
  }
  tx.end();
  return count;
}

/** The answers (and errors) of the batches whose results are downloaded; each job's batch. */
export async function fillAnswers(db: Database, paths: DataPaths): Promise<number> {
  let count = 0;
  const insertAnswer = db.prepare('INSERT INTO answers VALUES (?,?,?,?,?,?,?)');
  const insertSubmitted = db.prepare('INSERT OR REPLACE INTO submitted VALUES (?, ?)');
  const tx = batched(db);
  for (const job of (await readJobs(paths.batchOutput)).values()) {
    tx.run(() => insertSubmitted.run(job.batch_file, job.batch_id));
    for (const rel of [job.results_path, job.errors_path]) {
      if (rel === null) continue;
      const path = join(paths.dataDir, rel);
      if ((await stat(path).catch(() => undefined)) === undefined) continue;
      for await (const lines of linesWithOffsets(path)) {
        for (const l of lines) {
          const id = customIdOfLine(l.text);
          if (id === undefined) continue;
          const { base, attempt } = parseCustomId(id, job.request_attempt);
          count++;
          tx.run(() =>
            insertAnswer.run(job.repo, base, attempt, job.batch_id, rel, l.offset, l.length),
          );
        }
      }
    }
  }
  tx.end();
  return count;
}

/** The latest fate of each request, from the ledger. */
export async function fillFates(db: Database, paths: DataPaths): Promise<void> {
  const upsertFate = db.prepare(
    `INSERT INTO fates VALUES (?,?,?,?,?,?) ON CONFLICT (repo, custom_id) DO UPDATE SET
       attempt = excluded.attempt, fate = excluded.fate, reason = excluded.reason,
       batch_id = excluded.batch_id WHERE excluded.attempt >= fates.attempt`,
  );
  const tx = batched(db);
  for await (const r of readLedger(join(paths.state, LEDGER_FILE))) {
    tx.run(() =>
      upsertFate.run(r.repo, r.custom_id, r.attempt, r.fate, r.reason ?? null, r.batch_id),
    );
  }
  tx.end();
}
