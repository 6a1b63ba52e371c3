/**
 * The first half of the conversion pipeline: a read chunk's lines triaged and their requests
 * encoded, in input order; the variable texts of its requests go to the helper thread to be
 * counted while the next chunks are encoded.
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { hashComments } from '../domain/code-tokens.ts';
import type { EncodingName } from '../domain/token-counter.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import type { RawLine } from '../storage/jsonl-lines.ts';
import type { InputToConvert } from './convert-types.ts';
import type { DuplicateGate } from './duplicate-gate.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import type { RejectEntry, RejectsReport } from './rejects-report.ts';
import { encodeSliceRequest } from './request-builder.ts';
import { createKnownTextCounts, type KnownTextCounts } from './known-text-counts.ts';
import type { ScenarioSetup } from './scenario-setup.ts';
import type { ReadFingerprint } from '../storage/content-fingerprint.ts';

/** One input file while it is converted. */
export interface InputFile {
  readonly listed: InputToConvert;
  readonly sourceName: string;
  readonly sourceIndex: number;
  readonly outDir: string;
  readonly report: RejectsReport;
  readonly reportPath: string;
  readonly summary: {
    lines: number;
    converted: Record<Scenario, number>;
    alreadyConverted: number;
    overCap: number;
  };
  /** What was read of it (its SHA-256 taken in the helper thread: input-hasher.ts). */
  read?: Promise<ReadFingerprint>;
}

export type Item =
  | {
      readonly kind: 'reject';
      readonly lineNo: number;
      readonly entry: Omit<RejectEntry, 'file' | 'line'>;
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

export function createChunkEncoder(
  setup: Pick<ScenarioSetup, 'builders' | 'encodings' | 'triage'>,
  helpers: Pick<ConvertHelpers, 'countTexts' | 'fingerprintCodes'>,
  dedup: DuplicateGate | undefined,
) {
  const { builders, encodings, triage } = setup;
  // A chunk's sink is reused once its requests are in their files: no garbage buffers.
  const sinks: ByteSink[] = [];
  let slicesEncoded = 0;
  const known = createKnownTextCounts();
  return {
    get slicesEncoded(): number {
      return slicesEncoded;
    },
    /** A placed chunk's sink, for a later chunk. */
    recycle(sink: ByteSink): void {
      sink.reset();
      sinks.push(sink);
    },
    encode(raws: readonly RawLine[], inputBytes: number, file: InputFile): Chunk {
      const items: Item[] = [];
      const texts = new Map<EncodingName, string[]>();
      // Texts to remember the counts of, once answered: [scenario, segment, text, index]...
      const toLearn = new Map<EncodingName, (string | number)[]>();
      const codes: string[] = [];
      const hashComment: number[] = [];
      const sink = sinks.pop() ?? new ByteSink(Math.max(64 * 1024, inputBytes * 3));
      for (const raw of raws) {
        file.summary.lines = raw.lineNo;
        const t = triage.triage(raw, { index: file.sourceIndex });
        if (t.kind === 'already_converted') {
          file.summary.alreadyConverted++;
        } else if (t.kind === 'over_cap') {
          file.summary.overCap++;
        } else if (t.kind === 'reject') {
          items.push({ kind: 'reject', lineNo: raw.lineNo, entry: t.entry });
        } else {
          const start = sink.length;
          const info = encodeSliceRequest(builders, sink, t.slice, file.listed.relDir);
          const encoding = encodings[t.scenario];
          let list = texts.get(encoding);
          if (list === undefined) texts.set(encoding, (list = []));
          const offset = list.length;
          let knownTokens = 0;
          for (let i = 0; i < info.variableTexts.length; i++) {
            const text = info.variableTexts[i]!;
            const count = known.get(t.scenario, i, text);
            if (count !== undefined) {
              knownTokens += count;
              continue;
            }
            if (known.wants(t.scenario, i, text)) {
              let learn = toLearn.get(encoding);
              if (learn === undefined) toLearn.set(encoding, (learn = []));
              learn.push(t.scenario, i, text, list.length);
            }
            list.push(text);
          }
          items.push({
            kind: 'request',
            lineNo: raw.lineNo,
            sliceId: t.slice.id,
            scenario: t.scenario,
            maxCompletionTokens: info.maxCompletionTokens,
            start,
            end: sink.length,
            encoding,
            offset,
            texts: list.length - offset,
            knownTokens,
            fingerprintAt: codes.length,
          });
          if (dedup !== undefined) {
            codes.push(t.slice.code_snippet);
            hashComment.push(hashComments(t.slice.file_path) ? 1 : 0);
          }
          slicesEncoded++;
        }
      }
      const counts = new Map<EncodingName, Promise<Int32Array>>();
      for (const [encoding, list] of texts) {
        const answer = settledLater(helpers.countTexts(encoding, list));
        counts.set(encoding, answer);
        const learn = toLearn.get(encoding);
        if (learn !== undefined) learnWhenAnswered(known, learn, answer);
      }
      const fingerprints =
        codes.length === 0
          ? undefined
          : settledLater(helpers.fingerprintCodes(codes, Uint8Array.from(hashComment)));
      return { file, items, sink, counts, fingerprints };
    },
  };
}

/**
 * `answer`, awaited when its chunk is placed, chunks later: its failure (the helper thread's)
 * fails that placement and the run, and is not meanwhile an unhandled rejection, which ends
 * the process (the daemon included).
 */
function settledLater<T>(answer: Promise<T>): Promise<T> {
  answer.catch(() => undefined);
  return answer;
}

/**
 * Once `answer` comes, remembers the counts of the texts `learn` lists ([scenario, segment,
 * text, index in the answer] four by four). A failed count fails the chunk where it is placed;
 * nothing is learned from it.
 */
function learnWhenAnswered(
  known: KnownTextCounts,
  learn: readonly (string | number)[],
  answer: Promise<Int32Array>,
): void {
  answer.then(
    (got) => {
      for (let k = 0; k < learn.length; k += 4) {
        known.learn(
          learn[k] as Scenario,
          learn[k + 1] as number,
          learn[k + 2] as string,
          got[learn[k + 3] as number]!,
        );
      }
    },
    () => undefined,
  );
}
