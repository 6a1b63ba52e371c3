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
import type { ScenarioSetup } from './scenario-setup.ts';
import type { ContentFingerprint } from '../storage/content-fingerprint.ts';

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
  read?: Omit<ContentFingerprint, 'prefixSha256'>;
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
  /** Its variable-text counts are `[offset, offset + texts)` of its encoding's answer. */
  readonly encoding: EncodingName;
  readonly offset: number;
  readonly texts: number;
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
          items.push({
            kind: 'request',
            lineNo: raw.lineNo,
            sliceId: t.slice.id,
            scenario: t.scenario,
            maxCompletionTokens: info.maxCompletionTokens,
            start,
            end: sink.length,
            encoding,
            offset: list.length,
            texts: info.variableTexts.length,
            fingerprintAt: codes.length,
          });
          if (dedup !== undefined) {
            codes.push(t.slice.code_snippet);
            hashComment.push(hashComments(t.slice.file_path) ? 1 : 0);
          }
          for (const text of info.variableTexts) list.push(text);
          slicesEncoded++;
        }
      }
      const counts = new Map<EncodingName, Promise<Int32Array>>();
      for (const [encoding, list] of texts)
        counts.set(encoding, helpers.countTexts(encoding, list));
      const fingerprints =
        codes.length === 0
          ? undefined
          : helpers.fingerprintCodes(codes, Uint8Array.from(hashComment));
      return { file, items, sink, counts, fingerprints };
    },
  };
}
