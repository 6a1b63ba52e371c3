/**
 * A new batch input file with the requests of a finished batch that are worth sending again:
 * the original request lines, each custom_id suffixed with its next attempt
 * (`scenario1_<id>~attempt2`, custom-id.ts), in the same repo folder of the batch input stage. Its content depends
 * only on the batch and the requests retried, so writing it twice (a crash in between) makes
 * two files of the same content, which the submitter submits once.
 */
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { readCustomIdSources } from '../domain/batch-input-ids.ts';
import { openBatchInputFile, type SealedBatchInput } from '../convert/batch-input-writer.ts';
import {
  maxOutputTokensOf,
  promptTokensOfBody,
  type ChatBodyLike,
} from '../domain/request-tokens.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { encodingForModel, type EncodingName, type TokenCounter } from '../domain/token-counter.ts';
import { buildCustomId, parseCustomId } from '../domain/custom-id.ts';

export interface RetryFileOptions {
  /** The batch input file the requests were sent in. */
  readonly inputPath: string;
  /** Its repo folder in the batch input stage, where the retry file goes. */
  readonly dir: string;
  /** custom_ids (as sent) of the requests to send again: a set, or a view of poll's table. */
  readonly retry: ReadonlySet<string> | { readonly size: number; has(id: string): boolean };
  /** A larger `max_completion_tokens` for some of them (reasoning used up the last one). */
  readonly budgets?: { get(id: string): number | undefined } | undefined;
  /** The reviewed-slice file of a request, when the caller knows (else read from the manifest). */
  readonly originOf?: ((id: string) => string | undefined) | undefined;
  /** The attempt of the requests in `inputPath` (its manifest's, its job's). */
  readonly requestAttempt: number;
  readonly scenario: Scenario;
  readonly model: string;
  readonly now: () => Date;
  readonly counterFor: (encoding: EncodingName) => Promise<TokenCounter>;
  /** The source of a request whose reviewed-slice file is not known (an older input file). */
  readonly source: string;
  /** The attempt to write (a reviewer's resend); by default the one after those retried. */
  readonly attempt?: number;
}

export async function writeRetryFile(
  options: RetryFileOptions,
): Promise<SealedBatchInput | undefined> {
  if (options.retry.size === 0) return undefined;
  const counter = await options.counterFor(encodingForModel(options.model));
  // The requests of one batch were sent at the same attempt; the retry is the next one.
  const retry = options.retry;
  const attempt =
    options.attempt ??
    (retry instanceof Set
      ? Math.max(
          ...[...(retry as ReadonlySet<string>)].map(
            (id) => parseCustomId(id, options.requestAttempt).attempt,
          ),
        ) + 1
      : options.requestAttempt + 1);
  const writer = await openBatchInputFile({
    dir: options.dir,
    scenario: options.scenario,
    model: options.model,
    now: options.now,
    attempt,
  });
  // Each request keeps the reviewed-slice file it came from (status counts per input file).
  const originOf =
    options.originOf ??
    (
      (origins) => (id: string) =>
        origins.get(id)
    )(await readCustomIdSources(options.inputPath));
  try {
    for await (const batch of readLineBatches(options.inputPath)) {
      for (const raw of batch) {
        if (raw.kind !== 'text') continue;
        const request = JSON.parse(raw.text) as {
          custom_id: string;
          body: ChatBodyLike & { max_completion_tokens?: number; max_output_tokens?: number };
        };
        if (!options.retry.has(request.custom_id)) continue;
        const { sliceId } = parseCustomId(request.custom_id, options.requestAttempt);
        if (sliceId === undefined) continue;
        const budget = options.budgets?.get(request.custom_id);
        const budgetKey =
          request.body.max_output_tokens !== undefined
            ? 'max_output_tokens'
            : 'max_completion_tokens';
        const body = budget === undefined ? request.body : { ...request.body, [budgetKey]: budget };
        const customId = buildCustomId(options.scenario, sliceId, attempt);
        const line = `${JSON.stringify({ ...request, body, custom_id: customId })}\n`;
        await writer.append(
          {
            line: Buffer.from(line),
            promptTokens: promptTokensOfBody(request.body, () => counter),
            maxCompletionTokens: maxOutputTokensOf(body),
          },
          originOf(request.custom_id) ?? options.source,
        );
      }
    }
    if (writer.fill.requests === 0) {
      await writer.abort();
      return undefined;
    }
    return await writer.seal();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
