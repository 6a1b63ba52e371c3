/**
 * The results of an ended Message Batch, written to its JSONL file when it ends: each request's
 * result in input order, `succeeded` with the emulator's answer (messageAnswer, pure) or
 * `errored` by its fault (faults.ts: error_4xx → invalid_request_error; error_object →
 * overloaded_error with `code: "overloaded_error"`, else
 * api_error; invalid_json → a text that is not JSON; reasoning_length → empty text, stop_reason
 * max_tokens; refusal and content_filter → the text cut part-way, stop_reason refusal), `canceled` past a cancel, `expired` past an `expire` fault's cut. Streamed: one
 * line in memory at a time.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Schedule } from '../batch-lifecycle.ts';
import { REQUEST_OUTCOMES, type Faults, type RequestFaultDecision } from '../faults.ts';
import { messageId, unitHash } from '../ids.ts';
import { valueFromSchema } from '../json-from-schema.ts';
import { groundedAnswer } from '../grounded-answer.ts';
import { userPromptOf } from '../../domain/prompt-code.ts';
import {
  answeredBeforeCancel,
  type BatchRequest,
  type EmulatedBatch,
} from './message-batch-record.ts';

export interface ResultsContext {
  readonly schedule: Schedule;
  readonly faults: Faults;
  readonly seed: number;
  /** Hears each request that succeeded (so was billed). */
  readonly onSucceeded: (customId: string) => void;
}

/** Writes the batch's results from its requests file, counting them into `b.counts`. */
export async function writeMessageBatchResults(
  b: EmulatedBatch,
  requestsPath: string,
  resultsPath: string,
  ctx: ResultsContext,
): Promise<void> {
  const out = createWriteStream(resultsPath);
  const lines = createInterface({ input: createReadStream(requestsPath), crlfDelay: Infinity });
  let n = 0;
  const expireAfter = b.expireAfter ?? Infinity;
  // Requests run one after another once the batch is past validation; a cancel stops the rest.
  const done = answeredBeforeCancel(b, ctx.schedule);
  for await (const line of lines) {
    const r = JSON.parse(line) as BatchRequest;
    let result: Record<string, unknown>;
    if (n >= expireAfter) result = { type: 'expired' };
    else if (n >= done) result = { type: 'canceled' };
    else result = messageAnswer(r, ctx.faults.forRequest(r.custom_id), ctx.seed, messageId());
    n++;
    const type = result['type'] as keyof EmulatedBatch['counts'];
    b.counts[type]++;
    if (type === 'succeeded') ctx.onSucceeded(r.custom_id);
    if (!out.write(`${JSON.stringify({ custom_id: r.custom_id, result })}\n`))
      await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const tokensOf = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

/**
 * The result of one request the batch ran, given its fault decision; `id` is its message's
 * (random, ids.ts's messageId, as the real API's are unique). Pure.
 */
export function messageAnswer(
  r: BatchRequest,
  decision: RequestFaultDecision,
  seed: number,
  id: string,
): Record<string, unknown> {
  if (
    decision.outcome === REQUEST_OUTCOMES.error_4xx ||
    decision.outcome === REQUEST_OUTCOMES.error_object
  ) {
    const [type, message] =
      decision.outcome === REQUEST_OUTCOMES.error_4xx
        ? ['invalid_request_error', 'emulated request error']
        : decision.code === 'overloaded_error'
          ? ['overloaded_error', 'Overloaded']
          : ['api_error', 'emulated server error'];
    return { type: 'errored', error: { type: 'error', error: { type, message } } };
  }
  const schema = r.params.output_config?.format?.schema;
  const valueSeed = Math.floor(unitHash(seed, r.custom_id) * 2 ** 31);
  // A scenario 1 answer quotes the request's code, as the OpenAI emulator's do (grounded-answer.ts).
  const jsonText = JSON.stringify(
    groundedAnswer(
      valueFromSchema(schema ?? { type: 'object' }, valueSeed),
      userPromptOf(r.params),
      valueSeed,
      decision.outcome === REQUEST_OUTCOMES.ungrounded,
    ),
  );
  const length = decision.outcome === REQUEST_OUTCOMES.reasoning_length;
  // Anthropic has no refusal field: its classifiers stop the answer part-way, stop_reason refusal.
  const refused =
    decision.outcome === REQUEST_OUTCOMES.refusal ||
    decision.outcome === REQUEST_OUTCOMES.content_filter;
  const text =
    decision.outcome === REQUEST_OUTCOMES.invalid_json
      ? `${jsonText.slice(0, -1)}`
      : length
        ? ''
        : refused
          ? jsonText.slice(0, Math.floor(jsonText.length / 3))
          : jsonText;
  const prompt = `${r.params.system ?? ''}${JSON.stringify(r.params.messages)}`;
  return {
    type: 'succeeded',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: r.params.model,
      content: length ? [] : [{ type: 'text', text }],
      stop_reason: length ? 'max_tokens' : refused ? 'refusal' : 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: tokensOf(prompt),
        output_tokens: length ? r.params.max_tokens : tokensOf(text),
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    },
  };
}
