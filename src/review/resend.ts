/**
 * The daemon's side of a reviewer's resend: each resend decision of the review journal not
 * carried out yet becomes a batch input file with the slice's request as its next attempt
 * (`~attempt<n+1>`, written by the same code as the poller's retries), which then goes through the
 * normal submission queue (budget, `limits.max_cost_usd`, exactly-once submission). What was
 * done is noted in `.slicebatch/resends.jsonl`; a resend whose next attempt is already in a
 * batch input file (a crash between the two writes) is only noted.
 */
import { join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import { readCustomIds } from '../domain/batch-input-ids.ts';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { displayName } from '../domain/data-paths.ts';
import type { Logger } from '../log/logger.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { writeRetryFile } from '../poll/retry-requests.ts';
import { openJournal } from '../storage/journal.ts';
import { listBatchInputFiles } from '../submit/batch-input-files.ts';
import {
  readReviewJournal,
  RESENDS_FILE,
  REVIEW_FILE,
  reviewKey,
  type ResendDone,
  type ReviewDecision,
} from '../domain/review-journal.ts';

export interface ResendOptions {
  readonly paths: DataPaths;
  readonly now: () => number;
  readonly log: Logger;
  readonly counterFor: (encoding: EncodingName) => Promise<TokenCounter>;
}

/** Carries out the resends not done yet; returns the batch input files written. */
export async function applyResends(options: ResendOptions): Promise<string[]> {
  const { paths, log } = options;
  const done = new Set<string>();
  for await (const r of readReviewJournal<ResendDone>(join(paths.state, RESENDS_FILE))) {
    done.add(`${reviewKey(r.repo, r.custom_id)}\u0000${r.attempt}`);
  }
  const wanted = new Map<string, ReviewDecision>();
  for await (const d of readReviewJournal<ReviewDecision>(join(paths.state, REVIEW_FILE))) {
    if (d.t !== 'resend') continue;
    if (done.has(`${reviewKey(d.repo, d.custom_id)}\u0000${d.attempt + 1}`)) continue;
    wanted.set(`${reviewKey(d.repo, d.custom_id)}\u0000${d.attempt + 1}`, d);
  }
  if (wanted.size === 0) return [];

  // Where each wanted slice's requests are, attempt by attempt (only the repos concerned).
  const repos = new Set([...wanted.values()].map((d) => d.repo));
  const files = (await listBatchInputFiles(paths.batchInput, paths.dataDir)).filter((f) =>
    repos.has(f.repo),
  );
  const found = new Map<string, { path: string; sentAs: string; attempt: number }[]>();
  const bases = new Set([...wanted.values()].map((d) => reviewKey(d.repo, d.custom_id)));
  for (const f of files) {
    for (const id of await readCustomIds(f.path)) {
      const { base, attempt } = parseCustomId(id, f.manifest.attempt);
      const key = reviewKey(f.repo, base);
      if (!bases.has(key)) continue;
      const list = found.get(key) ?? [];
      list.push({ path: f.path, sentAs: id, attempt });
      found.set(key, list);
    }
  }

  const journal = await openJournal<ResendDone>(join(paths.state, RESENDS_FILE));
  const written: string[] = [];
  try {
    for (const d of wanted.values()) {
      const key = reviewKey(d.repo, d.custom_id);
      const requests = found.get(key) ?? [];
      const note = (file: string | null, reason?: string): Promise<void> =>
        journal.append({
          t: 'resent',
          repo: d.repo,
          custom_id: d.custom_id,
          attempt: d.attempt + 1,
          file,
          ...(reason === undefined ? {} : { reason }),
          at: new Date(options.now()).toISOString(),
        });
      const already = requests.find((r) => r.attempt > d.attempt);
      if (already !== undefined) {
        await note(displayName(paths.dataDir, already.path));
        continue;
      }
      const from = requests.find((r) => r.attempt === d.attempt) ?? requests.at(-1);
      const input = files.find((f) => f.path === from?.path);
      if (from === undefined || input === undefined) {
        await note(null, 'its request is in no batch input file');
        log.warn(
          { decision: d },
          `resend of ${d.custom_id}: its request is in no batch input file`,
        );
        continue;
      }
      const sealed = await writeRetryFile({
        inputPath: from.path,
        dir: join(paths.batchInput, ...d.repo.split('/').filter(Boolean)),
        retry: new Set([from.sentAs]),
        scenario: input.manifest.scenario,
        model: input.manifest.model,
        now: () => new Date(options.now()),
        counterFor: options.counterFor,
        source: input.display,
        requestAttempt: input.manifest.attempt,
        attempt: d.attempt + 1,
      });
      const file = sealed === undefined ? null : displayName(paths.dataDir, sealed.path);
      await note(file);
      if (file !== null) written.push(file);
      log.info(
        { repo: d.repo, customId: d.custom_id, attempt: d.attempt + 1, file },
        `resend of ${d.custom_id} asked by a reviewer: attempt ${d.attempt + 1} in ${file ?? '(nothing written)'}`,
      );
    }
  } finally {
    await journal.close();
  }
  return written;
}
