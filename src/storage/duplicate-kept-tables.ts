/**
 * The duplicate store's kept slices in memory (duplicate-kept.ts): per slice (its ref, in the
 * order kept) where its data record is, two key tables (key-table.ts; packed-key-table.ts for
 * the band keys) from which a lookup's
 * candidates come (exact hash → slice, LSH band key → slice; PER_BAND slices a key at most),
 * and the marks: confirmed (all before one, or one by one) or dropped. Made from the index
 * records replayed in order, then kept up to date by its owner; no file is touched here.
 */
import { BANDS } from '../domain/code-fingerprint.ts';
import {
  KIND_CONFIRM,
  KIND_CONFIRM_ALL,
  KIND_DROP,
  KIND_SLICE,
  type IndexRecord,
} from './duplicate-log.ts';
import { keyTable, slotsFor } from './key-table.ts';
import { PACKED_CHECK_VALUES, packedKeyTable } from './packed-key-table.ts';

/** Slices taken per band key at most: a key shared by many slices is boilerplate. */
export const PER_BAND = 8;

export interface KeptTables {
  /** Slices kept (dropped ones too). */
  readonly slices: number;
  /** Replays an index record read from the files. */
  onRecord(r: IndexRecord): void;
  /**
   * A new slice, with its exact hash word, its band keys and its data offset: its ref.
   * `bandsFound`: its band keys are those of the last `bandRefs`, nothing added since.
   */
  add(exact: number, bands: Uint32Array | undefined, offset: number, bandsFound?: boolean): number;
  /**
   * When a table is full: both made again, larger, from every slice `scan` gives in order; for
   * the slices `expect` forecast, if more.
   */
  growIfFull(scan: (onRecord: (r: IndexRecord) => void) => void): void;
  /** About how many slices there will be when the run ends (the tables are sized for it). */
  expect(slices: number): void;
  /** How many times the tables were made again. */
  readonly rebuilds: number;
  /** The slots of both tables (SLOT_BYTES each in memory). */
  readonly slots: number;
  /** The data offset of slice `ref`. */
  offsetOf(ref: number): number;
  /** The slices, not dropped, under exact hash word `exact`: in order (valid until next call). */
  exactRefs(exact: number): number[];
  /** The slices, not dropped, under each of `bands`: once per band (valid until next call). */
  bandRefs(bands: Uint32Array): number[];
  isDropped(ref: number): boolean;
  isPending(ref: number): boolean;
  /** The slices pending below `end`, in order. */
  pendingRefs(end: number): number[];
  /** Slice `ref` confirmed (`keep`) or dropped. */
  mark(ref: number, keep: boolean): void;
  /** Every slice kept so far confirmed. */
  confirmAll(): void;
}

/**
 * The share of its slots a table made for a forecast has in use when the forecast comes true:
 * below MAX_LOAD (key-table.ts) by enough that a forecast a little short does not make it again.
 */
export const FORECAST_LOAD = 0.8;

/**
 * How many times the slots of a growth without forecast a forecast of more than
 * FORECAST_WHOLE_SLICES may make at most.
 */
export const FORECAST_STEP = 1.5;

/**
 * A forecast of up to this many slices (all runs' together) is taken whole: the tables are made
 * for it at once. Each growth adds every key again at random places in a table of millions of
 * slots (a cache miss each): in steps of FORECAST_STEP, the 160,066 slices kept of the
 * real-code corpus were added 3 times over, and the growths took 0.2 to 0.3 s of the conversion
 * thread. Tables for this many slices take about 20 MB: what a forecast far too high (the rest
 * of the input duplicates what was read) costs at most besides what the slices kept need.
 */
export const FORECAST_WHOLE_SLICES = 200_000;

export interface KeptTablesOptions {
  /** For tests: how many values a key check takes (1: every key collides). */
  readonly checkValues?: number | undefined;
  /** For tests: FORECAST_WHOLE_SLICES. */
  readonly forecastWholeSlices?: number | undefined;
}

/** Tables for about `expected` slices (made larger as needed). */
export function keptTables(expected: number, options: KeptTablesOptions = {}): KeptTables {
  const { checkValues } = options;
  const wholeSlices = options.forecastWholeSlices ?? FORECAST_WHOLE_SLICES;
  let offsets = new Uint32Array(1024);
  let slices = 0;
  /** Slices with band keys. */
  let banded = 0;
  let forecast = 0;
  let rebuilds = 0;
  let confirmedBelow = 0;
  const confirmed = new Set<number>();
  const dropped = new Set<number>();
  const exactTable = keyTable(slotsFor(expected), PER_BAND, checkValues);
  // Slots of 4 bytes (one word: fewer cache misses a key added, the most numerous table).
  const bandTable = packedKeyTable(
    slotsFor(expected * BANDS),
    PER_BAND,
    checkValues === undefined ? undefined : Math.min(checkValues, PACKED_CHECK_VALUES),
  );
  /** `bandsFound`: `bands` are those of the last `bandRefs`, nothing added since. */
  const index = (
    exact: number,
    bands: Uint32Array | undefined,
    ref: number,
    bandsFound = false,
  ): void => {
    exactTable.add(exact, ref);
    if (bands === undefined) return;
    if (bandsFound) bandTable.addFound(bands, ref);
    else bandTable.addEach(bands, ref);
  };
  /**
   * The slots for `keys` keys now, or for those of the forecast at FORECAST_LOAD if more; of a
   * forecast over `wholeSlices`, at most the slots for `wholeSlices` or FORECAST_STEP times
   * more, whichever is more: a forecast can be far too high (the rest of the input duplicates
   * what was read, another repo folder with the same files), and the tables would then hold
   * that much for nothing.
   */
  const sizeFor = (keys: number): number => {
    const now = slotsFor(keys);
    if (forecast <= slices) return now;
    const slotsAt = (n: number): number => Math.ceil((keys * (n / slices)) / FORECAST_LOAD);
    const most = Math.max(Math.ceil(now * FORECAST_STEP), slotsAt(wholeSlices));
    return Math.max(now, Math.min(slotsAt(forecast), most));
  };
  const add = (
    exact: number,
    bands: Uint32Array | undefined,
    offset: number,
    bandsFound = false,
  ): number => {
    if (slices === offsets.length) {
      const more = new Uint32Array(offsets.length * 2);
      more.set(offsets);
      offsets = more;
    }
    offsets[slices] = offset / 8;
    if (bands !== undefined) banded++;
    index(exact, bands, slices, bandsFound);
    return slices++;
  };
  const candidates: number[] = [];
  const collect = (ref: number): void => {
    if (!dropped.has(ref)) candidates.push(ref);
  };

  return {
    get slices() {
      return slices;
    },
    get rebuilds() {
      return rebuilds;
    },
    get slots() {
      return exactTable.slots + bandTable.slots;
    },
    expect(n) {
      forecast = n;
    },
    onRecord(r) {
      if (r.kind === KIND_SLICE) add(r.exact[0]!, r.signed ? r.bands : undefined, r.aux);
      else if (r.kind === KIND_CONFIRM_ALL) confirmedBelow = slices;
      else if (r.kind === KIND_CONFIRM) confirmed.add(r.aux);
      else if (r.kind === KIND_DROP) dropped.add(r.aux);
    },
    add,
    growIfFull(scan) {
      if (!exactTable.full && !bandTable.full) return;
      rebuilds++;
      exactTable.reset(sizeFor(slices));
      bandTable.reset(sizeFor(banded * BANDS));
      let ref = 0;
      scan((r) => {
        if (r.kind === KIND_SLICE) index(r.exact[0]!, r.signed ? r.bands : undefined, ref++);
      });
    },
    offsetOf: (ref) => offsets[ref]! * 8,
    exactRefs(exact) {
      candidates.length = 0;
      exactTable.find(exact, collect);
      return candidates.sort((a, b) => a - b);
    },
    bandRefs(bands) {
      candidates.length = 0;
      bandTable.findEach(bands, collect);
      return candidates;
    },
    isDropped: (ref) => dropped.has(ref),
    isPending: (ref) => ref >= confirmedBelow && !confirmed.has(ref),
    pendingRefs(end) {
      const refs: number[] = [];
      for (let r = confirmedBelow; r < end; r++) {
        if (!confirmed.has(r) && !dropped.has(r)) refs.push(r);
      }
      return refs;
    },
    mark(ref, keep) {
      (keep ? confirmed : dropped).add(ref);
    },
    confirmAll() {
      confirmedBelow = slices;
    },
  };
}
