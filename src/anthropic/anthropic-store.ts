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
 *
 * The journal's records folded are store-state.ts; the uploads, store-uploads.ts.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openJournal, readJournal } from '../storage/journal.ts';
import type { RemoteFile } from '../openai/remote-types.ts';
import type { KnownBatch } from './batch-object.ts';
import { crashedCreates, StoreState, type Intent, type StoreRecord } from './store-state.ts';
import { storeUploads } from './store-uploads.ts';

export { CRASHED_CALL_MS, type Intent, type StoreRecord } from './store-state.ts';

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

export async function openAnthropicStore(dir: string): Promise<AnthropicStore> {
  for (const sub of ['uploads', 'ids', 'results']) await mkdir(join(dir, sub), { recursive: true });
  const journalPath = join(dir, 'batches.jsonl');
  const state = new StoreState();
  const records = await readJournal<StoreRecord>(journalPath);
  for (const r of records) state.apply(r);
  // Opening cuts a torn last line (a crash mid-append); records are rare (a few a batch), so
  // each is appended on its own handle: nothing stays open between calls.
  await (await openJournal<StoreRecord>(journalPath)).close();
  const record = async (r: StoreRecord): Promise<void> => {
    const journal = await openJournal<StoreRecord>(journalPath);
    try {
      await journal.append(r);
    } finally {
      await journal.close();
    }
    state.apply(r);
  };
  for (const r of crashedCreates(records)) await record(r);
  return {
    dir,
    ...storeUploads(dir),
    idsPath: (key) => join(dir, 'ids', `${key}.txt`),
    resultPath: (batchId, kind) => join(dir, 'results', `${batchId}.${kind}.jsonl`),
    record,
    intent: (key) => state.intent(key),
    intents: () => state.intents(),
    known: (batchId) => state.known(batchId),
    isDuplicate: (batchId) => state.isDuplicate(batchId),
    async readIds(key) {
      const text = await readFile(join(dir, 'ids', `${key}.txt`), 'utf8');
      const ids = text.split('\n');
      if (ids[ids.length - 1] === '') ids.pop();
      return ids;
    },
  };
}
