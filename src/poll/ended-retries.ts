/**
 * The retry batch input file of an ended batch: the requests its tally marked to send again
 * (with their larger budgets and reviewed-slice files), written by retry-requests.ts into the
 * repo's batch input folder, as the attempt after the highest one retried.
 */
import { join } from 'node:path';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { writeRetryFile } from './retry-requests.ts';
import type { SentRequests } from './sent-requests.ts';
import type { FateTally } from './fate-tally.ts';

export interface EndedRetriesDeps {
  readonly batchInputDir: string;
  /** The model of a job that does not name its own. */
  readonly config: { readonly model: string };
  readonly now: () => number;
  readonly counterFor: (encoding: EncodingName) => Promise<TokenCounter>;
}

/** The retry file's path, or undefined when it holds no request. */
export async function writeEndedRetries(
  job: JobRecord,
  inputPath: string,
  sent: SentRequests,
  tally: FateTally,
  deps: EndedRetriesDeps,
): Promise<string | undefined> {
  const sealed = await writeRetryFile({
    inputPath,
    dir: join(deps.batchInputDir, ...job.repo.split('/').filter(Boolean)),
    retry: { size: tally.retries, has: (id) => tally.isRetry(sent.indexOf(id)) },
    budgets: { get: (id) => tally.budgetOf(sent.indexOf(id)) },
    originOf: (id) => {
      const i = sent.indexOf(id);
      return i === -1 ? undefined : sent.sourceOf(i);
    },
    attempt: tally.retryAttempt + 1,
    requestAttempt: job.request_attempt,
    scenario: (job.scenario ?? 'scenario1') as Scenario,
    model: job.model ?? deps.config.model,
    now: () => new Date(deps.now()),
    counterFor: deps.counterFor,
    source: job.batch_file,
  });
  return sealed?.path;
}
