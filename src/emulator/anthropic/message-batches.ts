/**
 * The emulator's Message Batches: their state, their lifecycle on the emulator's clock, and
 * their results (a JSONL file per batch, written when the batch ends). Batch faults (`expire`,
 * by request count or fraction) and request faults (faults.ts) apply as in the OpenAI emulator:
 * error_4xx → errored invalid_request_error; error_object → errored api_error; invalid_json →
 * a text that is not JSON; reasoning_length → empty text, stop_reason max_tokens.
 *
 * Counted for tests, on the provider's side: batches created, batches whose requests (their
 * custom_ids) repeat an earlier batch's, and requests answered (billed) more than once.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Schedule } from '../batch-lifecycle.ts';
import type { EmulatorClock } from '../clock.ts';
import type { Faults } from '../faults.ts';
import { REQUEST_OUTCOMES } from '../faults.ts';
import { unitHash } from '../ids.ts';
import { valueFromSchema } from '../json-from-schema.ts';
import { groundedAnswer } from '../grounded-answer.ts';
import { userPromptOf } from '../../domain/prompt-code.ts';

export interface BatchRequest {
  readonly custom_id: string;
  readonly params: {
    readonly model: string;
    readonly max_tokens: number;
    readonly system?: string;
    readonly messages: readonly { role: string; content: unknown }[];
    readonly output_config?: { format?: { schema?: unknown } };
  };
}

export interface EmulatedBatch {
  id: string;
  createdMs: number;
  requests: number;
  /** Requests answered before the batch ends on its own (an `expire` fault). */
  expireAfter: number | null;
  status: 'in_progress' | 'canceling' | 'ended';
  cancelMs: number | null;
  endedMs: number | null;
  counts: { succeeded: number; errored: number; canceled: number; expired: number };
  idsHash: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const DAY_MS = 86_400_000;

export function messageBatchObject(b: EmulatedBatch, baseUrl: string): Record<string, unknown> {
  const ended = b.status === 'ended';
  const c = b.counts;
  return {
    id: b.id,
    type: 'message_batch',
    processing_status: b.status,
    request_counts: {
      processing: ended ? 0 : b.requests,
      succeeded: c.succeeded,
      errored: c.errored,
      canceled: c.canceled,
      expired: c.expired,
    },
    created_at: iso(b.createdMs),
    expires_at: iso(b.createdMs + DAY_MS),
    ended_at: ended ? iso(b.endedMs) : null,
    cancel_initiated_at: iso(b.cancelMs),
    archived_at: null,
    results_url: ended ? `${baseUrl}/v1/messages/batches/${b.id}/results` : null,
  };
}

const tokensOf = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

function answer(r: BatchRequest, faults: Faults, seed: number, n: number): Record<string, unknown> {
  const decision = faults.forRequest(r.custom_id);
  if (decision.outcome === REQUEST_OUTCOMES.error_4xx) {
    return {
      type: 'errored',
      error: {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'emulated request error' },
      },
    };
  }
  if (decision.outcome === REQUEST_OUTCOMES.error_object) {
    return {
      type: 'errored',
      error: { type: 'error', error: { type: 'api_error', message: 'emulated server error' } },
    };
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
  const text =
    decision.outcome === REQUEST_OUTCOMES.invalid_json
      ? `${jsonText.slice(0, -1)}`
      : length
        ? ''
        : jsonText;
  const prompt = `${r.params.system ?? ''}${JSON.stringify(r.params.messages)}`;
  return {
    type: 'succeeded',
    message: {
      id: `msg_emu_${n}`,
      type: 'message',
      role: 'assistant',
      model: r.params.model,
      content: length ? [] : [{ type: 'text', text }],
      stop_reason: length ? 'max_tokens' : 'end_turn',
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

export interface MessageBatchesOptions {
  readonly root: string;
  readonly clock: EmulatorClock;
  readonly schedule: Schedule;
  readonly faults: Faults;
  readonly seed: number;
  readonly newId: () => string;
}

export async function openMessageBatches(options: MessageBatchesOptions) {
  const { root, clock, schedule, faults, seed } = options;
  const statePath = join(root, 'anthropic-batches.json');
  const batches: EmulatedBatch[] = await readFile(statePath, 'utf8')
    .then((t) => JSON.parse(t) as EmulatedBatch[])
    .catch(() => []);
  const seenIds = new Set(batches.map((b) => b.idsHash));
  const billed = new Map<string, number>();
  const stats = { created: batches.length, duplicateBatches: 0, billedTwice: 0 };
  const pending = new Set<Promise<void>>();
  const finishing = new Set<string>();
  const requestsPath = (id: string): string => join(root, `${id}.requests.jsonl`);
  const resultsPath = (id: string): string => join(root, `${id}.results.jsonl`);
  const save = (): Promise<void> => writeFile(statePath, JSON.stringify(batches));

  async function finish(b: EmulatedBatch): Promise<void> {
    const out = createWriteStream(resultsPath(b.id));
    const lines = createInterface({
      input: createReadStream(requestsPath(b.id)),
      crlfDelay: Infinity,
    });
    let n = 0;
    const expireAfter = b.expireAfter ?? Infinity;
    // Requests run one after another once the batch is past validation; a cancel stops the rest.
    const done =
      b.cancelMs === null
        ? Infinity
        : Math.max(
            0,
            Math.floor((b.cancelMs - b.createdMs - schedule.validatingMs) / schedule.msPerRequest),
          );
    for await (const line of lines) {
      const r = JSON.parse(line) as BatchRequest;
      let result: Record<string, unknown>;
      if (n >= expireAfter) result = { type: 'expired' };
      else if (n >= done) result = { type: 'canceled' };
      else result = answer(r, faults, seed, n);
      n++;
      const type = result['type'] as keyof EmulatedBatch['counts'];
      b.counts[type]++;
      if (type === 'succeeded') {
        const times = (billed.get(r.custom_id) ?? 0) + 1;
        billed.set(r.custom_id, times);
        if (times === 2) stats.billedTwice++;
      }
      if (!out.write(`${JSON.stringify({ custom_id: r.custom_id, result })}\n`))
        await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    b.status = 'ended';
    b.endedMs = clock.now();
    await save();
  }

  return {
    batches,
    stats,
    resultsPath,
    async create(requests: readonly BatchRequest[]): Promise<EmulatedBatch> {
      const id = options.newId();
      await writeFile(requestsPath(id), requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
      const idsHash = createHash('sha256')
        .update(requests.map((r) => r.custom_id).join('\n'))
        .digest('hex');
      if (seenIds.has(idsHash)) stats.duplicateBatches++;
      seenIds.add(idsHash);
      const expire = faults.forBatch(id).find((f) => f.kind === 'expire');
      const b: EmulatedBatch = {
        id,
        createdMs: clock.now(),
        requests: requests.length,
        expireAfter:
          expire === undefined
            ? null
            : (expire.after_requests ??
              Math.floor(requests.length * (expire.after_fraction ?? 0.5))),
        status: 'in_progress',
        cancelMs: null,
        endedMs: null,
        counts: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        idsHash,
      };
      batches.push(b);
      stats.created++;
      await save();
      return b;
    },
    get: (id: string): EmulatedBatch | undefined => batches.find((b) => b.id === id),
    async cancel(b: EmulatedBatch): Promise<void> {
      if (b.status !== 'in_progress') return;
      b.status = 'canceling';
      b.cancelMs = clock.now();
      await save();
    },
    /** Ends every batch whose time has come. */
    tick(): void {
      const now = clock.now();
      for (const b of batches) {
        if (b.status === 'ended' || finishing.has(b.id)) continue;
        const due =
          b.status === 'canceling'
            ? b.cancelMs! + schedule.cancellingMs
            : b.createdMs +
              schedule.validatingMs +
              Math.min(b.requests, b.expireAfter ?? b.requests) * schedule.msPerRequest +
              schedule.finalizingMs;
        if (now < due) continue;
        finishing.add(b.id);
        const p = finish(b).finally(() => {
          pending.delete(p);
          finishing.delete(b.id);
        });
        pending.add(p);
      }
    },
    pending: (): Promise<void>[] => [...pending],
  };
}

export type MessageBatches = Awaited<ReturnType<typeof openMessageBatches>>;
