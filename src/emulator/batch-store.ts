/**
 * The persistence of the emulator's batches: one JSON file per batch in the state folder, written
 * atomically; nothing on disk when the emulator has no state folder.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import type { BatchRecord } from './batch-record.ts';

export interface BatchStore {
  /** The batches saved before, in file-name order (none when not persisting). */
  load(): Promise<BatchRecord[]>;
  save(b: BatchRecord): Promise<void>;
  /** Waits for the saves under way, those not awaited by their caller included. */
  settle(): Promise<void>;
  /** The saves under way (for the emulator's settle()). */
  pending(): Promise<void>[];
}

export function createBatchStore(dir: string, persist: boolean): BatchStore {
  /** Saves not awaited by their caller: settle() waits for them (nothing written after it). */
  const saving = new Set<Promise<void>>();
  return {
    async load() {
      if (!persist) return [];
      const records: BatchRecord[] = [];
      for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
        records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as BatchRecord);
      }
      return records;
    },
    save(b) {
      if (!persist) return Promise.resolve();
      const p = writeJsonAtomic(join(dir, `${b.id}.json`), b).finally(() => saving.delete(p));
      saving.add(p);
      return p;
    },
    async settle() {
      await Promise.allSettled([...saving]);
    },
    pending: () => [...saving],
  };
}
