/**
 * The slices kept (sent, or about to be) by the duplicate store (duplicate-store.ts): their
 * files (duplicate-log.ts) and, in memory, two key tables (key-table.ts) from which the
 * candidates of a lookup come: exact hash → slice, and LSH band key → slice (BANDS keys a
 * slice, PER_BAND slices a key at most: a key shared by more is boilerplate). A candidate is
 * verified against its data record, read by offset: a key collision is never a duplicate.
 *
 * Memory: the tables are made for 1.5 times the slices kept (at least 1,024 slots each) and,
 * when they are 90 % full, made again 1.5 times as large from the index file (in place); with
 * 6 bytes a slot, BANDS + 1 keys a slice and an offset of 4 bytes, that is about 145 to 215
 * bytes a slice kept. They hold 2^29 slots at most (key-table.ts): about 24 million slices.
 *
 * A slice is *pending* from when it is kept until a confirm mark (the run's, or one of its own
 * when it is settled); a dropped one stays in the tables and the files, and is skipped.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANDS, bandKeys, similarity, type CodeFingerprint } from '../domain/code-fingerprint.ts';
import {
  INDEX_RECORD,
  KIND_CONFIRM,
  KIND_CONFIRM_ALL,
  KIND_DROP,
  KIND_SLICE,
  openLogFiles,
  type DataRecord,
  type IndexRecord,
  type LogFiles,
} from './duplicate-log.ts';
import { keyTable, slotsFor } from './key-table.ts';

/** Candidates compared per lookup at most (a band shared by many slices of boilerplate). */
export const MAX_CANDIDATES = 64;
/** Slices taken per band key at most: a key shared by many slices is boilerplate. */
export const PER_BAND = 8;

/**
 * The bands a kept slice must share with a slice before they are compared: at a threshold of
 * 0.8 or more, two slices that similar share 5.2 of the 20 bands on average, and fewer than 2
 * with a probability under 2 % (at 0.8; under 0.1 % at 0.85); comparing only those spares
 * reading the slices that share one band of boilerplate. Below 0.8, one band.
 */
export function minSharedBands(threshold: number): number {
  return threshold >= 0.8 ? 2 : 1;
}

/** A slice sent (or about to be): the one a duplicate is a duplicate of. */
export interface KeptSlice {
  readonly repo: string;
  readonly id: string;
  readonly file: string;
  readonly line: number;
  /** When it was converted (ISO). */
  readonly at: string;
}

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
  /** Lookups so far, and the data records they read. */
  readonly stats: { lookups: number; reads: number };
}

export const INDEX_NAME = 'duplicates.index';
export const DATA_NAME = 'duplicates.data';

/** FNV-1a of `repo`, a 0, then `id`. */
function idHash(repo: string, id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < repo.length; i++) h = Math.imul(h ^ repo.charCodeAt(i), 0x01000193);
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const sliceOf = (meta: string): KeptSlice => {
  const [repo, id, file, line, at] = JSON.parse(meta) as [string, string, string, number, string];
  return { repo, id, file, line, at };
};

/**
 * The kept slices of the store in `dir` (undefined: none, a dry run's of its own). A dry run
 * reads the files there and writes what it keeps into files of its own in the temp folder.
 */
export function openKeptSet(
  dir: string | undefined,
  options: { dryRun: boolean; checkValues?: number },
): KeptSet {
  const dry = options.dryRun;
  const indexPath = dir === undefined ? undefined : join(dir, INDEX_NAME);
  const present = indexPath !== undefined && statSync(indexPath, { throwIfNoEntry: false });
  let offsets = new Uint32Array(1024);
  let slices = 0;
  let confirmedBelow = 0;
  const confirmed = new Set<number>();
  const dropped = new Set<number>();
  const expected = present ? Math.max(0, present.size / INDEX_RECORD) : 0;
  const exactTable = keyTable(slotsFor(expected), PER_BAND, options.checkValues);
  const bandTable = keyTable(slotsFor(expected * BANDS), PER_BAND, options.checkValues);
  const index = (exact: number, bands: Uint32Array | undefined, ref: number): void => {
    exactTable.add(exact, ref);
    if (bands !== undefined) for (let b = 0; b < BANDS; b++) bandTable.add(bands[b]!, ref);
  };
  /** A new slice, whose data is at `offset`: its ref. */
  const added = (offset: number): number => {
    if (slices === offsets.length) {
      const more = new Uint32Array(offsets.length * 2);
      more.set(offsets);
      offsets = more;
    }
    offsets[slices] = offset / 8;
    return slices++;
  };
  const onRecord = (r: IndexRecord): void => {
    if (r.kind === KIND_SLICE) {
      index(r.exact[0]!, r.signed ? r.bands : undefined, added(r.aux));
    } else if (r.kind === KIND_CONFIRM_ALL) {
      confirmedBelow = slices;
    } else if (r.kind === KIND_CONFIRM) {
      confirmed.add(r.aux);
    } else if (r.kind === KIND_DROP) {
      dropped.add(r.aux);
    }
  };

  // The store's files, and a dry run's own (refs from `spillFrom` on are in those).
  let base: LogFiles | undefined;
  if (indexPath !== undefined && (present || !dry)) {
    base = openLogFiles(
      indexPath,
      join(dir!, DATA_NAME),
      { readOnly: dry, durable: true },
      onRecord,
    );
  }
  const spillFrom = slices;
  let spillDir: string | undefined;
  let spill: LogFiles | undefined;
  /** Where slices kept go: the store's files, or a dry run's own (made when first needed). */
  const writer = (): LogFiles => {
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
  };
  const filesOf = (ref: number): LogFiles =>
    spill !== undefined && ref >= spillFrom ? spill : base!;

  const stats = { lookups: 0, reads: 0 };
  const read = (ref: number): DataRecord => {
    stats.reads++;
    return filesOf(ref).read(offsets[ref]! * 8);
  };
  const isSelf = (rec: DataRecord, h: number, repo: string, id: string): boolean => {
    if (rec.idHash !== h) return false;
    const s = sliceOf(rec.meta());
    return s.repo === repo && s.id === id;
  };
  const candidates: number[] = [];
  const collect = (ref: number): void => {
    if (!dropped.has(ref)) candidates.push(ref);
  };
  const exactRefs = (fp: CodeFingerprint): number[] => {
    candidates.length = 0;
    exactTable.find(fp.exactWords[0], collect);
    return candidates.sort((a, b) => a - b);
  };
  const sameExact = (rec: DataRecord, fp: CodeFingerprint): boolean =>
    rec.exact[0] === fp.exactWords[0] &&
    rec.exact[1] === fp.exactWords[1] &&
    rec.exact[2] === fp.exactWords[2];
  const bands = new Uint32Array(BANDS);
  const pendingRefs = (): number[] => {
    const refs: number[] = [];
    for (let r = confirmedBelow; r < spillFrom; r++) {
      if (!confirmed.has(r) && !dropped.has(r)) refs.push(r);
    }
    return refs;
  };

  return {
    stats,
    findExact(repo, id, fp) {
      stats.lookups++;
      const h = idHash(repo, id);
      for (const ref of exactRefs(fp)) {
        const rec = read(ref);
        if (sameExact(rec, fp) && !isSelf(rec, h, repo, id)) {
          return { similarity: 1, kept: sliceOf(rec.meta()) };
        }
      }
      return undefined;
    },

    findNear(repo, id, fp, threshold) {
      if (fp.signature === undefined) return undefined;
      candidates.length = 0;
      bandKeys(fp.signature, bands);
      for (let b = 0; b < BANDS; b++) bandTable.find(bands[b]!, collect);
      if (candidates.length === 0) return undefined;
      // Each once, if it shares enough bands; those that share the most first, then the first
      // kept.
      const need = minSharedBands(threshold);
      candidates.sort((a, b) => a - b);
      const refs: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < candidates.length;) {
        let j = i + 1;
        while (j < candidates.length && candidates[j] === candidates[i]) j++;
        if (j - i >= need) {
          refs.push(candidates[i]!);
          counts.push(j - i);
        }
        i = j;
      }
      if (refs.length > MAX_CANDIDATES) {
        const order = refs.map((_, k) => k).sort((a, b) => counts[b]! - counts[a]! || a - b);
        refs.splice(0, refs.length, ...order.slice(0, MAX_CANDIDATES).map((k) => refs[k]!));
      }
      const h = idHash(repo, id);
      let best: { ref: number; s: number; meta: string } | undefined;
      for (const ref of refs) {
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
      const h = idHash(slice.repo, slice.id);
      for (const ref of exactRefs(fp)) {
        const rec = read(ref);
        if (sameExact(rec, fp) && isSelf(rec, h, slice.repo, slice.id)) return; // kept already
      }
      const meta = JSON.stringify([slice.repo, slice.id, slice.file, slice.line, slice.at]);
      const keys = fp.signature === undefined ? undefined : bandKeys(fp.signature, bands);
      const offset = writer().appendSlice(fp.exactWords, h, fp.signature, keys, meta);
      index(fp.exactWords[0], keys, added(offset));
      if (exactTable.full || bandTable.full) {
        // Larger, from every slice kept (the new one too: it is in the files).
        exactTable.reset(slotsFor(slices));
        bandTable.reset(slotsFor(slices * BANDS));
        let ref = 0;
        const again = (r: IndexRecord): void => {
          if (r.kind === KIND_SLICE) index(r.exact[0]!, r.signed ? r.bands : undefined, ref++);
        };
        base?.scan(again);
        spill?.scan(again);
      }
    },

    pendingRepos() {
      return [...new Set(pendingRefs().map((ref) => sliceOf(read(ref).meta()).repo))];
    },

    settle(repo, converted) {
      if (dry) return; // nothing of a dry run's own is pending across runs
      for (const ref of pendingRefs()) {
        const s = sliceOf(read(ref).meta());
        if (s.repo !== repo) continue;
        const keep = converted(s.id);
        writer().appendMark(keep ? KIND_CONFIRM : KIND_DROP, ref);
        (keep ? confirmed : dropped).add(ref);
      }
      writer().commit();
    },

    commit() {
      if (!dry) writer().commit();
    },

    confirm() {
      if (dry) return;
      writer().appendMark(KIND_CONFIRM_ALL, 0);
      confirmedBelow = slices;
      writer().commit();
    },

    close() {
      base?.close();
      spill?.close();
      if (spillDir !== undefined) rmSync(spillDir, { recursive: true, force: true });
    },

    list() {
      const out: { slice: KeptSlice; pending: boolean }[] = [];
      for (let ref = 0; ref < slices; ref++) {
        if (dropped.has(ref)) continue;
        const pending = ref >= confirmedBelow && !confirmed.has(ref);
        out.push({ slice: sliceOf(read(ref).meta()), pending });
      }
      return out;
    },
  };
}
