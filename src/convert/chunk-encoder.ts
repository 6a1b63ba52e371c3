/**
 * The first half of the conversion pipeline: a read chunk's lines read and their requests
 * encoded, in input order. Most chunks are encoded here, the variable texts of their requests
 * sent to the helper thread to be counted while the next chunks are encoded; when the helper
 * thread has little queued, it takes a chunk whole (line-encoder.ts), so that both cores share
 * the work. Which slices are sent is decided where chunks are placed, in input order
 * (chunk-placement.ts, slice-triage.ts).
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { hashComments } from '../domain/code-tokens.ts';
import type { SeenSliceIds } from '../domain/seen-slice-ids.ts';
import type { EncodingName } from '../domain/token-counter.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import type { RawLine } from '../storage/jsonl-lines.ts';
import type { InputToConvert } from './convert-types.ts';
import type { DuplicateGate } from './duplicate-gate.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import {
  addTextsToCount,
  createKnownTextCounts,
  learnCounts,
  type TextsToCount,
} from './known-text-counts.ts';
import {
  LINE_REJECT,
  LINE_SLICE,
  META_WORDS,
  SCENARIOS,
  type EncodedLines,
} from './line-encoder.ts';
import type { RejectsReport } from './rejects-report.ts';
import { encodeSliceRequest } from './request-builder.ts';
import type { ScenarioSetup } from './scenario-setup.ts';
import { readSliceLine, type LineReject } from './slice-reading.ts';
import type { ContentFingerprint } from '../storage/content-fingerprint.ts';

/** A repo folder's slice ids, shared by its files. */
export interface FolderIds {
  readonly seen: SeenSliceIds;
  /** Whether it holds ids converted by earlier runs (slices read again are then skipped). */
  readonly earlier: boolean;
  /** Slices read here so far, and those of them known to be skipped (not encoded). */
  read: number;
  turnedAway: number;
}

/** One input file while it is converted. */
export interface InputFile {
  readonly listed: InputToConvert;
  readonly sourceName: string;
  readonly sourceIndex: number;
  readonly outDir: string;
  readonly folder: FolderIds;
  readonly report: RejectsReport;
  readonly reportPath: string;
  readonly summary: {
    lines: number;
    converted: Record<Scenario, number>;
    alreadyConverted: number;
    overCap: number;
  };
  /** What was read of it (its SHA-256 taken in the helper thread: input-hasher.ts). */
  read?: Promise<Omit<ContentFingerprint, 'prefixSha256'>>;
}

export type Item =
  | { readonly kind: 'reject'; readonly lineNo: number; readonly entry: LineReject }
  /** A slice whose request was not made: too large, or known to be skipped when encoded. */
  | {
      readonly kind: 'slice';
      readonly lineNo: number;
      readonly sliceId: string;
      readonly scenario: Scenario;
      readonly tooLarge: LineReject | undefined;
    }
  | RequestItem;

export interface RequestItem {
  readonly kind: 'request';
  readonly lineNo: number;
  readonly sliceId: string;
  readonly scenario: Scenario;
  readonly maxCompletionTokens: number;
  /** The encoded line is `sink.bytes[start, end)` of its chunk. */
  readonly start: number;
  readonly end: number;
  /**
   * Its variable texts' tokens: `knownTokens` for those counted before (known-text-counts.ts),
   * plus `[offset, offset + texts)` of its encoding's answer for the others.
   */
  readonly encoding: EncodingName;
  readonly offset: number;
  readonly texts: number;
  readonly knownTokens: number;
  /** With `dedup`: its code's fingerprint is the `fingerprintAt`th of its chunk's. */
  readonly fingerprintAt: number;
}

export interface Chunk {
  readonly file: InputFile;
  readonly items: readonly Item[];
  /** The chunk's request lines, encoded as they were rendered (off the JS heap). */
  readonly sink: ByteSink;
  readonly counts: ReadonlyMap<EncodingName, Promise<Int32Array>>;
  /** With `dedup`: the fingerprints of its requests' code, packed (made by the helper thread). */
  readonly fingerprints: Promise<Uint32Array> | undefined;
}

/**
 * Slices read in a folder with ids converted earlier before its chunks may go to the helper
 * thread, and the share of them skipped above which they do not: it would make the requests
 * of slices that are skipped (this thread does not).
 */
const TRIAL_SLICES = 512;
const MAX_SKIPPED_SHARE = 1 / 16;

export function createChunkEncoder(
  setup: Pick<ScenarioSetup, 'builders' | 'encodings' | 'triage' | 'contexts'>,
  helpers: Pick<ConvertHelpers, 'countTexts' | 'fingerprintCodes' | 'lines'>,
  dedup: DuplicateGate | undefined,
) {
  const { builders, encodings, triage, contexts } = setup;
  // A chunk's sink is reused once its requests are in their files: no garbage buffers.
  const sinks: ByteSink[] = [];
  /** Sinks of chunks the helper thread encoded: given back to it once placed. */
  const helperSinks = new Set<ByteSink>();
  let slicesEncoded = 0;
  const known = createKnownTextCounts();

  /** Whether the helper thread may encode a chunk of `file` whole (it skips no slice). */
  const mayEncodeThere = (file: InputFile): boolean => {
    if (triage.capped) return false;
    const { folder } = file;
    if (!folder.earlier) return true;
    return folder.read >= TRIAL_SLICES && folder.turnedAway <= folder.read * MAX_SKIPPED_SHARE;
  };

  const encodeThere = (raws: readonly RawLine[], file: InputFile): Promise<Chunk> | undefined => {
    const { lines } = helpers;
    if (lines === undefined || raws.length === 0) return undefined;
    if (!(lines.takesAny || mayEncodeThere(file)) || !lines.hasRoom()) return undefined;
    const texts: string[] = [];
    const lineNos = new Int32Array(raws.length);
    for (let i = 0; i < raws.length; i++) {
      const raw = raws[i]!;
      // Lines not read as text are rare: their chunk is encoded here.
      if (raw.kind !== 'text') return undefined;
      texts.push(raw.text);
      lineNos[i] = raw.lineNo;
    }
    file.summary.lines = lineNos[raws.length - 1]!;
    return lines.encode(texts, lineNos, file.listed.relDir).then(({ encoded, fingerprints }) => {
      const items = decodeLines(encoded, encodings);
      for (const item of items) if (item.kind === 'request') slicesEncoded++;
      const sink = ByteSink.of(encoded.bytes);
      helperSinks.add(sink);
      return {
        file,
        items,
        sink,
        counts: new Map(),
        fingerprints: fingerprints === undefined ? undefined : Promise.resolve(fingerprints),
      };
    });
  };

  const encodeHere = (raws: readonly RawLine[], inputBytes: number, file: InputFile): Chunk => {
    const items: Item[] = [];
    const toCount = new Map<EncodingName, TextsToCount>();
    const codes: string[] = [];
    const hashComment: number[] = [];
    const sink = sinks.pop() ?? new ByteSink(Math.max(64 * 1024, inputBytes * 3));
    const { folder } = file;
    const mayTurnAway = folder.earlier || triage.capped;
    for (const raw of raws) {
      file.summary.lines = raw.lineNo;
      const read = readSliceLine(raw, contexts);
      if (read.kind === 'reject') {
        items.push({ kind: 'reject', lineNo: raw.lineNo, entry: read.entry });
        continue;
      }
      const { slice, scenario, tooLarge } = read;
      folder.read++;
      if (mayTurnAway && triage.turnsAway(folder.seen, slice.id, scenario)) folder.turnedAway++;
      else if (tooLarge === undefined) {
        const start = sink.length;
        const info = encodeSliceRequest(builders, sink, slice, file.listed.relDir);
        const encoding = encodings[scenario];
        let to = toCount.get(encoding);
        if (to === undefined) toCount.set(encoding, (to = { texts: [], learn: [] }));
        const offset = to.texts.length;
        const knownTokens = addTextsToCount(known, scenario, info.variableTexts, to);
        items.push({
          kind: 'request',
          lineNo: raw.lineNo,
          sliceId: slice.id,
          scenario,
          maxCompletionTokens: info.maxCompletionTokens,
          start,
          end: sink.length,
          encoding,
          offset,
          texts: to.texts.length - offset,
          knownTokens,
          fingerprintAt: codes.length,
        });
        if (dedup !== undefined) {
          codes.push(slice.code_snippet);
          hashComment.push(hashComments(slice.file_path) ? 1 : 0);
        }
        slicesEncoded++;
        continue;
      }
      items.push({ kind: 'slice', lineNo: raw.lineNo, sliceId: slice.id, scenario, tooLarge });
    }
    const counts = new Map<EncodingName, Promise<Int32Array>>();
    for (const [encoding, to] of toCount) {
      const answer = helpers.countTexts(encoding, to.texts);
      counts.set(encoding, answer);
      // A failed count fails the chunk where it is placed; nothing is learned from it.
      if (to.learn.length > 0)
        answer.then(
          (got) => learnCounts(known, to.learn, got),
          () => undefined,
        );
    }
    const fingerprints =
      codes.length === 0
        ? undefined
        : helpers.fingerprintCodes(codes, Uint8Array.from(hashComment));
    return { file, items, sink, counts, fingerprints };
  };

  return {
    get slicesEncoded(): number {
      return slicesEncoded;
    },
    /** A placed chunk's sink, for a later chunk. */
    recycle(sink: ByteSink): void {
      if (helperSinks.delete(sink)) {
        helpers.lines?.giveBack(sink.bytes);
        return;
      }
      sink.reset();
      sinks.push(sink);
    },
    /** Encodes a read chunk: here, or in the helper thread when it has room for it. */
    encode(raws: readonly RawLine[], inputBytes: number, file: InputFile): Chunk | Promise<Chunk> {
      return encodeThere(raws, file) ?? encodeHere(raws, inputBytes, file);
    },
  };
}

/** The items of a chunk the helper thread encoded (their requests in `encoded.bytes`). */
function decodeLines(
  encoded: EncodedLines,
  encodings: Readonly<Record<Scenario, EncodingName>>,
): Item[] {
  const { meta, ids, rejects } = encoded;
  const items: Item[] = [];
  let start = 0;
  let fingerprintAt = 0;
  for (let m = 0, i = 0; m < meta.length; m += META_WORDS, i++) {
    const lineNo = meta[m + 1]!;
    if (meta[m] === LINE_REJECT) {
      items.push({ kind: 'reject', lineNo, entry: rejects[i]! });
      continue;
    }
    const scenario = SCENARIOS[meta[m + 2]!]!;
    const sliceId = ids[i]!;
    if (meta[m] === LINE_SLICE) {
      items.push({ kind: 'slice', lineNo, sliceId, scenario, tooLarge: rejects[i] });
      continue;
    }
    const end = meta[m + 4]!;
    items.push({
      kind: 'request',
      lineNo,
      sliceId,
      scenario,
      maxCompletionTokens: meta[m + 3]!,
      start,
      end,
      encoding: encodings[scenario],
      offset: 0,
      texts: 0,
      knownTokens: meta[m + 5]!,
      fingerprintAt: fingerprintAt++,
    });
    start = end;
  }
  return items;
}
