/**
 * The Anthropic store's journal folded (pure): per submission key its intent (what the batch will
 * be, the windows of its lost create answers, its batch once known), the batches by id, the
 * ended batches whose results are translated (with their usage), the second batches cancelled;
 * and the creates a crash interrupted, found when the journal is read.
 */
import type { BatchUsage } from '../openai/remote-types.ts';
import type { KnownBatch } from './batch-object.ts';

export type StoreRecord =
  /** Before the create call: what the batch will be. */
  | {
      t: 'intent';
      key: string;
      file_id: string;
      metadata: Record<string, string>;
      requests: number;
      model: string | null;
      sent_at: number;
    }
  /** The create call failed in a way that may hide a created batch (our clock, ms). */
  | { t: 'lost'; key: string; sent_at: number; failed_at: number }
  /** The batch of `key` (the create's answer, or a lost answer matched afterwards). */
  | { t: 'created'; key: string; batch_id: string; adopted: boolean }
  /** A second batch of `key` (after a lost answer), cancelled at once. */
  | { t: 'duplicate'; key: string; batch_id: string }
  | { t: 'prepared'; batch_id: string; usage: BatchUsage };

export interface Intent {
  readonly key: string;
  readonly fileId: string;
  readonly metadata: Record<string, string>;
  readonly requests: number;
  readonly model: string | null;
  readonly windows: readonly { sentAt: number; failedAt: number }[];
  readonly batchId: string | undefined;
}

/** How long a create call interrupted by a crash may have run: past the default 10-minute timeout. */
export const CRASHED_CALL_MS = 15 * 60_000;

export class StoreState {
  private readonly byKey = new Map<string, Intent>();
  private readonly byBatch = new Map<string, string>();
  private readonly prepared = new Map<string, BatchUsage>();
  private readonly duplicates = new Set<string>();

  apply(r: StoreRecord): void {
    switch (r.t) {
      case 'intent': {
        const before = this.byKey.get(r.key);
        this.byKey.set(r.key, {
          key: r.key,
          fileId: r.file_id,
          metadata: r.metadata,
          requests: r.requests,
          model: r.model,
          windows: before?.windows ?? [],
          batchId: before?.batchId,
        });
        break;
      }
      case 'lost': {
        const i = this.byKey.get(r.key);
        if (i !== undefined) {
          const windows = [...i.windows, { sentAt: r.sent_at, failedAt: r.failed_at }];
          this.byKey.set(r.key, { ...i, windows });
        }
        break;
      }
      case 'created': {
        const i = this.byKey.get(r.key);
        if (i !== undefined) this.byKey.set(r.key, { ...i, batchId: r.batch_id });
        this.byBatch.set(r.batch_id, r.key);
        break;
      }
      case 'duplicate':
        this.duplicates.add(r.batch_id);
        break;
      case 'prepared':
        this.prepared.set(r.batch_id, r.usage);
        break;
    }
  }

  intent(key: string): Intent | undefined {
    return this.byKey.get(key);
  }

  intents(): Iterable<Intent> {
    return this.byKey.values();
  }

  /** What we know of a batch of ours (its input file, metadata, translated results). */
  known(batchId: string): KnownBatch | undefined {
    const key = this.byBatch.get(batchId);
    const i = key === undefined ? undefined : this.byKey.get(key);
    if (i === undefined) return undefined;
    const usage = this.prepared.get(batchId);
    return {
      inputFileId: i.fileId,
      metadata: i.metadata,
      prepared: usage !== undefined,
      usage,
      ...(i.model === null ? {} : { model: i.model }),
    };
  }

  isDuplicate(batchId: string): boolean {
    return this.duplicates.has(batchId);
  }
}

/**
 * The creates a crash interrupted (an intent with neither answer nor failure after it): their
 * batch may exist. Each is a lost answer whose window ends when the call would have timed out.
 */
export function crashedCreates(records: Iterable<StoreRecord>): StoreRecord[] {
  const unanswered = new Map<string, number>();
  for (const r of records) {
    if (r.t === 'intent') unanswered.set(r.key, r.sent_at);
    else if (r.t === 'lost' || r.t === 'created') unanswered.delete(r.key);
  }
  return [...unanswered].map(([key, sentAt]) => ({
    t: 'lost',
    key,
    sent_at: sentAt,
    failed_at: sentAt + CRASHED_CALL_MS,
  }));
}
