/**
 * The slices kept (sent, or about to be) by the duplicate store (duplicate-store.ts), and the
 * lookups among them: their files (duplicate-kept-files.ts) and, in memory, their key tables
 * (duplicate-kept-tables.ts) from which the candidates of a lookup come: exact hash → slice,
 * and LSH band key → slice (BANDS keys a slice, PER_BAND slices a key at most: a key shared by
 * more is boilerplate). A candidate is verified against its data record, read by offset: a key
 * collision is never a duplicate.
 *
 * Memory: the tables are made for 1.5 times the slices kept (at least 1,024 slots each) and,
 * when they are 90 % full, made again 1.5 times as large from the index file (in place), or,
 * once a run has read FORECAST_FROM of its input, for the slices that forecasts at the end of
 * the run (FORECAST_LOAD full then: not made again and again as a long run keeps slices; at
 * once for up to FORECAST_WHOLE_SLICES, in steps of FORECAST_STEP above); with
 * BANDS keys a slice in slots of 4 bytes (packed-key-table.ts), its exact hash in one of 6 and
 * an offset of 4 bytes, that is about 100 to 150 bytes a slice kept. The band table's slots
 * hold slice numbers below 2^24: at most 16,777,216 slices, and a keep past that is a
 * DuplicateStoreFullError (nothing written).
 *
 * A slice is *pending* from when it is kept until a confirm mark (the run's, or one of its own
 * when it is settled); a dropped one stays in the tables and the files, and is skipped.
 */
import { BANDS, bandKeys, similarity, type CodeFingerprint } from '../domain/code-fingerprint.ts';
import { minSharedBands, nearCandidates } from './duplicate-candidates.ts';
import { indexRecordsIn, openKeptFiles } from './duplicate-kept-files.ts';
import { idHash, metaOf, sliceOf, type KeptSlice } from './duplicate-kept-slice.ts';
import { keptTables, type KeptTablesOptions } from './duplicate-kept-tables.ts';
import { KIND_CONFIRM, KIND_CONFIRM_ALL, KIND_DROP, type DataRecord } from './duplicate-log.ts';
import { DuplicateStoreFullError } from './duplicate-store-rows.ts';
import { MAX_PACKED_REF } from './packed-key-table.ts';

export { minSharedBands } from './duplicate-candidates.ts';
export { DATA_NAME, INDEX_NAME } from './duplicate-kept-files.ts';
export type { KeptSlice } from './duplicate-kept-slice.ts';

export interface KeptMatch {
  readonly similarity: number;
  readonly kept: KeptSlice;
}

export interface KeptSet {
  /** The first slice kept with the same tokens as `fp` (not the slice itself). */
  findExact(repo: string, id: string, fp: CodeFingerprint): KeptMatch | undefined;
  /** The most similar slice kept, at `threshold` or above (of equals, the first kept). */
  findNear(repo: string, id: string, fp: CodeFingerprint, threshold: number): KeptMatch | undefined;
  keep(slice: KeptSlice, fp: CodeFingerprint): void;
  pendingRepos(): string[];
  settle(repo: string, converted: (id: string) => boolean): void;
  commit(): void;
  confirm(): void;
  close(): void;
  /** Every slice kept and not dropped, in order. */
  list(): { slice: KeptSlice; pending: boolean }[];
  /**
   * A new run starts on the set kept open since the run before (confirmed): its forecast
   * (`progress`) counts the slices it keeps from here.
   */
  startRun(): void;
  /**
   * `share` (0 to 1) of this run's input is read: the tables are made, when next full, for
   * the slices this forecasts (so they are not made again and again as a run keeps slices).
   */
  progress(share: number): void;
  /** Lookups so far, the data records they read, and how many times the tables were made. */
  readonly stats: {
    lookups: number;
    reads: number;
    readonly rebuilds: number;
    readonly slots: number;
    /** Slices kept (dropped ones too). */
    readonly kept: number;
  };
}

/**
 * The share of a run's input read before its slices kept so far forecast those at its end
 * (earlier, a few files say little about the rest).
 */
export const FORECAST_FROM = 0.05;

/** Whether `rec` is the data of the slice `id` of `repo` (`h`: their idHash). */
function isSelf(rec: DataRecord, h: number, repo: string, id: string): boolean {
  if (rec.idHash !== h) return false;
  const s = sliceOf(rec.meta());
  return s.repo === repo && s.id === id;
}

/** Whether `rec` has the same tokens as `fp`. */
const sameExact = (rec: DataRecord, fp: CodeFingerprint): boolean =>
  rec.exact[0] === fp.exactWords[0] &&
  rec.exact[1] === fp.exactWords[1] &&
  rec.exact[2] === fp.exactWords[2];

/**
 * The kept slices of the store in `dir` (undefined: none, a dry run's of its own). A dry run
 * reads the files there and writes what it keeps into files of its own in the temp folder.
 */
export function openKeptSet(
  dir: string | undefined,
  options: { dryRun: boolean; maxSlices?: number | undefined } & KeptTablesOptions,
): KeptSet {
  const dry = options.dryRun;
  const maxSlices = options.maxSlices ?? MAX_PACKED_REF + 1;
  const tables = keptTables(indexRecordsIn(dir), options);
  const files = openKeptFiles(dir, dry, (r) => tables.onRecord(r));
  /** Slices of earlier runs: in the store's files when opened, or when this run started. */
  let earlier = tables.slices;

  const stats = {
    lookups: 0,
    reads: 0,
    get rebuilds() {
      return tables.rebuilds;
    },
    get kept() {
      return tables.slices;
    },
    get slots() {
      return tables.slots;
    },
  };
  const read = (ref: number): DataRecord => {
    stats.reads++;
    return files.read(ref, tables.offsetOf(ref));
  };
  const bands = new Uint32Array(BANDS);
  // What the last lookup learnt that a keep of the same fingerprint right after it needs (a
  // conversion keeps the slice it just looked up): the band keys in `bands`, and whether a
  // slice kept with the same tokens is the slice itself. Valid while no slice is added.
  let bandsOf: CodeFingerprint | undefined;
  let exactOf: CodeFingerprint | undefined;
  let exactRepo = '';
  let exactId = '';
  let exactAt = -1;
  let exactSelf = false;

  return {
    stats,
    findExact(repo, id, fp) {
      stats.lookups++;
      const h = idHash(repo, id);
      exactOf = undefined;
      let self = false;
      for (const ref of tables.exactRefs(fp.exactWords[0])) {
        const rec = read(ref);
        if (!sameExact(rec, fp)) continue;
        if (!isSelf(rec, h, repo, id)) return { similarity: 1, kept: sliceOf(rec.meta()) };
        self = true;
      }
      exactOf = fp;
      exactRepo = repo;
      exactId = id;
      exactAt = tables.slices;
      exactSelf = self;
      return undefined;
    },

    findNear(repo, id, fp, threshold) {
      if (fp.signature === undefined) return undefined;
      const found = tables.bandRefs(bandKeys(fp.signature, bands));
      bandsOf = fp;
      const h = idHash(repo, id);
      let best: { ref: number; s: number; meta: string } | undefined;
      for (const ref of nearCandidates(found, minSharedBands(threshold))) {
        const rec = read(ref);
        if (rec.signature === undefined || isSelf(rec, h, repo, id)) continue;
        const s = similarity(fp.signature, rec.signature);
        if (s < threshold) continue;
        if (best === undefined || s > best.s || (s === best.s && ref < best.ref)) {
          best = { ref, s, meta: rec.meta() };
        }
      }
      return best && { similarity: best.s, kept: sliceOf(best.meta) };
    },

    keep(slice, fp) {
      const { repo, id } = slice;
      const h = idHash(repo, id);
      if (exactOf === fp && exactRepo === repo && exactId === id && exactAt === tables.slices) {
        // Looked up just before (with this repo folder and id: a conversion's keep follows
        // its check), and nothing added since: the same records would be read again.
        if (exactSelf) return; // kept already
      } else {
        for (const ref of tables.exactRefs(fp.exactWords[0])) {
          const rec = read(ref);
          if (sameExact(rec, fp) && isSelf(rec, h, repo, id)) return; // kept already
        }
      }
      const found = bandsOf === fp;
      const keys =
        fp.signature === undefined ? undefined : found ? bands : bandKeys(fp.signature, bands);
      exactOf = bandsOf = undefined;
      // Checked before anything is written: a slice in the files and not in the tables would
      // be read into them again each time the store opens.
      if (tables.slices >= maxSlices) throw new DuplicateStoreFullError(dir, maxSlices);
      const offset = files
        .writer()
        .appendSlice(fp.exactWords, h, fp.signature, keys, metaOf(slice));
      tables.add(fp.exactWords[0], keys, offset, found);
      // Larger, from every slice kept (the new one too: it is in the files).
      tables.growIfFull((again) => files.scan(again));
    },

    progress(share) {
      if (share < FORECAST_FROM || share > 1) return;
      tables.expect(earlier + Math.ceil((tables.slices - earlier) / share));
    },

    pendingRepos() {
      const refs = tables.pendingRefs(earlier);
      return [...new Set(refs.map((ref) => sliceOf(read(ref).meta()).repo))];
    },

    settle(repo, converted) {
      if (dry) return; // nothing of a dry run's own is pending across runs
      exactOf = undefined; // slices dropped: what a lookup found may be gone
      for (const ref of tables.pendingRefs(earlier)) {
        const s = sliceOf(read(ref).meta());
        if (s.repo !== repo) continue;
        const keep = converted(s.id);
        files.writer().appendMark(keep ? KIND_CONFIRM : KIND_DROP, ref);
        tables.mark(ref, keep);
      }
      files.writer().commit();
    },

    commit() {
      if (!dry) files.writer().commit();
    },

    confirm() {
      if (dry) return;
      files.writer().appendMark(KIND_CONFIRM_ALL, 0);
      tables.confirmAll();
      files.writer().commit();
    },

    close() {
      files.close();
    },

    startRun() {
      earlier = tables.slices;
    },

    list() {
      const out: { slice: KeptSlice; pending: boolean }[] = [];
      for (let ref = 0; ref < tables.slices; ref++) {
        if (tables.isDropped(ref)) continue;
        out.push({ slice: sliceOf(read(ref).meta()), pending: tables.isPending(ref) });
      }
      return out;
    },
  };
}
