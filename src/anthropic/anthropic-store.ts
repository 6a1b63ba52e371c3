/**
 * What the Anthropic adapter keeps on disk, because the Message Batches API keeps none of it:
 * the input files (requests are sent inline: an "upload" keeps the file here), the mapping of
 * each batch's custom_ids back to ours, the metadata of our batches (Anthropic batches carry
 * none), the create calls whose answer was lost (to match the batch afterwards), and each ended
 * batch's results, translated.
 *
 *   <dir>/uploads/<file id>.jsonl, .json   an input file and its description
 *   <dir>/ids/<key>.txt                     our custom_ids, one a line, in request order
 *   <dir>/results/<batch id>.{results,errors}.jsonl
 *   <dir>/batches.jsonl                     the journal (fsynced records, storage/journal.ts)
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openJournal, readJournal, type Journal } from '../storage/journal.ts';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import type { BatchUsage, RemoteFile } from '../openai/remote-types.ts';
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

export interface AnthropicStore {
  readonly dir: string;
  uploadPath(fileId: string): string;
  idsPath(key: string): string;
  resultPath(batchId: string, kind: 'results' | 'errors'): string;
  keepUpload(path: string, filename: string, nowMs: number): Promise<RemoteFile>;
  listUploads(): Promise<RemoteFile[]>;
  deleteUpload(fileId: string): Promise<void>;
  record(r: StoreRecord): Promise<void>;
  intent(key: string): Intent | undefined;
  intents(): Iterable<Intent>;
  known(batchId: string): KnownBatch | undefined;
  isDuplicate(batchId: string): boolean;
  /** Our custom_ids of `key`, by request index. */
  readIds(key: string): Promise<string[]>;
}

/** How long a create call interrupted by a crash may have run: past the default 10-minute timeout. */
export const CRASHED_CALL_MS = 15 * 60_000;

export async function openAnthropicStore(dir: string): Promise<AnthropicStore> {
  await mkdir(join(dir, 'uploads'), { recursive: true });
  await mkdir(join(dir, 'ids'), { recursive: true });
  await mkdir(join(dir, 'results'), { recursive: true });
  const journalPath = join(dir, 'batches.jsonl');
  const intents = new Map<string, Intent>();
  const byBatch = new Map<string, string>();
  const prepared = new Map<string, BatchUsage>();
  const duplicates = new Set<string>();
  const apply = (r: StoreRecord): void => {
    switch (r.t) {
      case 'intent': {
        const before = intents.get(r.key);
        intents.set(r.key, {
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
        const i = intents.get(r.key);
        if (i !== undefined) {
          const windows = [...i.windows, { sentAt: r.sent_at, failedAt: r.failed_at }];
          intents.set(r.key, { ...i, windows });
        }
        break;
      }
      case 'created': {
        const i = intents.get(r.key);
        if (i !== undefined) intents.set(r.key, { ...i, batchId: r.batch_id });
        byBatch.set(r.batch_id, r.key);
        break;
      }
      case 'duplicate':
        duplicates.add(r.batch_id);
        break;
      case 'prepared':
        prepared.set(r.batch_id, r.usage);
        break;
    }
  };
  // A create call that a crash interrupted (an intent with neither answer nor failure): its
  // batch may exist. It is a lost answer whose window ends when the call would have timed out.
  const unanswered = new Map<string, number>();
  for (const r of await readJournal<StoreRecord>(journalPath)) {
    apply(r);
    if (r.t === 'intent') unanswered.set(r.key, r.sent_at);
    else if (r.t === 'lost' || r.t === 'created') unanswered.delete(r.key);
  }
  // Opening cuts a torn last line (a crash mid-append); records are rare (a few a batch), so
  // each is appended on its own handle: nothing stays open between calls.
  await (await openJournal<StoreRecord>(journalPath)).close();
  const append = async (r: StoreRecord): Promise<void> => {
    const journal: Journal<StoreRecord> = await openJournal<StoreRecord>(journalPath);
    try {
      await journal.append(r);
    } finally {
      await journal.close();
    }
  };
  for (const [key, sentAt] of unanswered) {
    const r: StoreRecord = { t: 'lost', key, sent_at: sentAt, failed_at: sentAt + CRASHED_CALL_MS };
    await append(r);
    apply(r);
  }
  const uploadPath = (id: string): string => join(dir, 'uploads', `${id}.jsonl`);
  const describe = (id: string): string => join(dir, 'uploads', `${id}.json`);

  return {
    dir,
    uploadPath,
    idsPath: (key) => join(dir, 'ids', `${key}.txt`),
    resultPath: (batchId, kind) => join(dir, 'results', `${batchId}.${kind}.jsonl`),
    async keepUpload(path, filename, nowMs) {
      const { size } = await stat(path);
      const id = `file_${createHash('sha256').update(`${filename}\n${size}`).digest('hex').slice(0, 24)}`;
      const to = uploadPath(id);
      await rm(to, { force: true });
      // A hard link costs no space; another file system gets a copy.
      await link(path, to).catch(() => copyFile(path, to));
      const file: RemoteFile = {
        id,
        bytes: size,
        created_at: Math.floor(nowMs / 1000),
        filename,
        purpose: 'batch',
      };
      await writeJsonAtomic(describe(id), file);
      return file;
    },
    async listUploads() {
      const out: RemoteFile[] = [];
      for (const name of await readdir(join(dir, 'uploads'))) {
        if (!name.endsWith('.json')) continue;
        try {
          out.push(JSON.parse(await readFile(join(dir, 'uploads', name), 'utf8')) as RemoteFile);
        } catch {
          // A description half written by a crash: its upload is made again.
        }
      }
      return out;
    },
    async deleteUpload(fileId) {
      await rm(describe(fileId), { force: true });
      await rm(uploadPath(fileId), { force: true });
    },
    async record(r) {
      await append(r);
      apply(r);
    },
    intent: (key) => intents.get(key),
    intents: () => intents.values(),
    known(batchId) {
      const key = byBatch.get(batchId);
      const i = key === undefined ? undefined : intents.get(key);
      if (i === undefined) return undefined;
      const usage = prepared.get(batchId);
      return {
        inputFileId: i.fileId,
        metadata: i.metadata,
        prepared: usage !== undefined,
        usage,
        ...(i.model === null ? {} : { model: i.model }),
      };
    },
    isDuplicate: (batchId) => duplicates.has(batchId),
    async readIds(key) {
      const text = await readFile(join(dir, 'ids', `${key}.txt`), 'utf8');
      const ids = text.split('\n');
      if (ids[ids.length - 1] === '') ids.pop();
      return ids;
    },
  };
}
