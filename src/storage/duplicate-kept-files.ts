/**
 * The files of the duplicate store's kept slices (duplicate-kept.ts): the store's own in its
 * folder and, for a dry run (which only reads those), files of its own in the temp folder, made
 * when it first keeps a slice and removed when it closes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  INDEX_RECORD,
  KIND_SLICE,
  openLogFiles,
  type DataRecord,
  type IndexRecord,
  type LogFiles,
} from './duplicate-log.ts';

export const INDEX_NAME = 'duplicates.index';
export const DATA_NAME = 'duplicates.data';

/** About how many records the index in `dir` holds (0: none there). */
export function indexRecordsIn(dir: string | undefined): number {
  const present = dir !== undefined && statSync(join(dir, INDEX_NAME), { throwIfNoEntry: false });
  return present ? Math.max(0, present.size / INDEX_RECORD) : 0;
}

export interface KeptFiles {
  /** Where slices kept go: the store's files, or a dry run's own (made when first needed). */
  writer(): LogFiles;
  /** The data record at `offset` of slice `ref` (refs from the store's files, then its own). */
  read(ref: number, offset: number): DataRecord;
  /** Calls `onRecord` with each index record, the store's files' then a dry run's own. */
  scan(onRecord: (r: IndexRecord) => void): void;
  close(): void;
}

/**
 * The files of the store in `dir` (undefined: none, a dry run's of its own), their index
 * records replayed to `onRecord` as they are opened.
 */
export function openKeptFiles(
  dir: string | undefined,
  dry: boolean,
  onRecord: (r: IndexRecord) => void,
): KeptFiles {
  const indexPath = dir === undefined ? undefined : join(dir, INDEX_NAME);
  const present = indexPath !== undefined && statSync(indexPath, { throwIfNoEntry: false });
  let spillFrom = 0; // the refs from here on are in a dry run's own files
  let base: LogFiles | undefined;
  if (indexPath !== undefined && (present || !dry)) {
    base = openLogFiles(indexPath, join(dir!, DATA_NAME), { readOnly: dry, durable: true }, (r) => {
      if (r.kind === KIND_SLICE) spillFrom++;
      onRecord(r);
    });
  }
  let spillDir: string | undefined;
  let spill: LogFiles | undefined;

  return {
    writer() {
      if (!dry) return base!;
      if (spill === undefined) {
        spillDir = mkdtempSync(join(tmpdir(), 'slicebatch-dedup-'));
        spill = openLogFiles(
          join(spillDir, INDEX_NAME),
          join(spillDir, DATA_NAME),
          { readOnly: false, durable: false },
          () => undefined,
        );
      }
      return spill;
    },
    read(ref, offset) {
      return (spill !== undefined && ref >= spillFrom ? spill : base!).read(offset);
    },
    scan(again) {
      base?.scan(again);
      spill?.scan(again);
    },
    close() {
      base?.close();
      spill?.close();
      if (spillDir !== undefined) rmSync(spillDir, { recursive: true, force: true });
    },
  };
}
