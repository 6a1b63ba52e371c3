/**
 * The emulator's Message Batches: their state (saved in the state folder), their lifecycle on
 * the emulator's clock (a batch ends when its time comes: message-batch-record.ts), and their
 * results (a JSONL file per batch, written when the batch ends: message-batch-results.ts).
 * Batch faults (`expire`, by request count or fraction) and request faults (faults.ts) apply as
 * in the OpenAI emulator.
 *
 * Counted for tests, on the provider's side: batches created, batches whose requests (their
 * custom_ids) repeat an earlier batch's, and requests answered (billed) more than once.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Schedule } from '../batch-lifecycle.ts';
import type { EmulatorClock } from '../clock.ts';
import type { Faults } from '../faults.ts';
import {
  endsAt,
  newMessageBatch,
  type BatchRequest,
  type EmulatedBatch,
} from './message-batch-record.ts';
import { writeMessageBatchResults } from './message-batch-results.ts';

export {
  messageBatchObject,
  type BatchRequest,
  type EmulatedBatch,
} from './message-batch-record.ts';

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
  const onSucceeded = (customId: string): void => {
    const times = (billed.get(customId) ?? 0) + 1;
    billed.set(customId, times);
    if (times === 2) stats.billedTwice++;
  };

  async function finish(b: EmulatedBatch): Promise<void> {
    await writeMessageBatchResults(b, requestsPath(b.id), resultsPath(b.id), {
      schedule,
      faults,
      seed,
      onSucceeded,
    });
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
      const b = newMessageBatch(id, requests.length, idsHash, clock.now(), expire);
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
        if (b.status === 'ended' || finishing.has(b.id) || now < endsAt(b, schedule)) continue;
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
