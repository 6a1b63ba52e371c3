/**
 * A read chunk's lines encoded and counted whole by the helper thread, so that both cores share
 * the conversion's work (chunk-encoder.ts sends it a chunk when it has little queued). Only what
 * depends on no earlier line is done here: the same reading (slice-reading.ts), requests and
 * counts as the conversion thread makes; which slices are sent is decided in input order where
 * the chunk is placed (chunk-encoder.ts turns the answer into the chunk's items).
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { hashComments } from '../domain/code-tokens.ts';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import {
  addTextsToCount,
  createKnownTextCounts,
  learnCounts,
  type TextsToCount,
} from './known-text-counts.ts';
import { encodeSliceRequest, type ScenarioBuilders } from './request-builder.ts';
import { readSliceText, type LineReject, type ScenarioContext } from './slice-reading.ts';

/**
 * Int32 words per line in `EncodedLines.meta`: its kind (LINE_*), line number, scenario (0 or
 * 1), and for a request its max completion tokens, the end of its bytes (it starts where the
 * request before ended), and the tokens of its variable texts.
 */
export const META_WORDS = 6;
export const LINE_REJECT = 0;
export const LINE_SLICE = 1;
export const LINE_REQUEST = 2;
/** The scenarios by their number in `meta`. */
export const SCENARIOS: readonly Scenario[] = ['scenario1', 'scenario2'];

/** A chunk's lines as the helper thread encoded them. */
export interface EncodedLines {
  readonly meta: Int32Array;
  /** The slice id of each line that has one. */
  readonly ids: readonly (string | undefined)[];
  /** The reject of each line rejected, or of a slice too large to send. */
  readonly rejects: readonly (LineReject | undefined)[];
  /** The requests, one after the other (the buffer is a sink's: given back once placed). */
  readonly bytes: Uint8Array;
}

export interface LineEncoderSetup {
  readonly builders: ScenarioBuilders;
  readonly contexts: Readonly<Record<Scenario, ScenarioContext>>;
  readonly encodings: Readonly<Record<Scenario, EncodingName>>;
}

/** Sinks kept for reuse: the chunks in flight and a few more. */
const SPARE_SINKS = 8;

export function createLineEncoder(
  setup: LineEncoderSetup,
  counterOf: (encoding: EncodingName) => TokenCounter,
) {
  const known = createKnownTextCounts();
  const spare: ByteSink[] = [];
  return {
    /** A chunk's bytes given back once placed: their buffer serves a later chunk. */
    giveBack(bytes: Uint8Array): void {
      if (spare.length < SPARE_SINKS) spare.push(ByteSink.of(bytes.subarray(0, 0)));
    },
    /**
     * Encodes `texts` (line `lineNos[i]` each) of repo folder `repo`, and, with `codes`, collects
     * each request's code and comment style (for its fingerprint).
     */
    encode(
      texts: readonly string[],
      lineNos: Int32Array,
      repo: string,
      codes?: { readonly codes: string[]; readonly hashComment: number[] },
    ): EncodedLines {
      const sink = spare.pop() ?? new ByteSink(1024 * 1024);
      sink.reset();
      const meta = new Int32Array(texts.length * META_WORDS);
      const ids = new Array<string | undefined>(texts.length);
      const rejects = new Array<LineReject | undefined>(texts.length);
      const toCount = new Map<EncodingName, TextsToCount & { readonly lines: number[] }>();
      for (let i = 0; i < texts.length; i++) {
        const m = i * META_WORDS;
        meta[m + 1] = lineNos[i]!;
        const read = readSliceText(texts[i]!, setup.contexts);
        if (read.kind === 'reject') {
          meta[m] = LINE_REJECT;
          rejects[i] = read.entry;
          continue;
        }
        const { slice, scenario } = read;
        ids[i] = slice.id;
        meta[m + 2] = SCENARIOS.indexOf(scenario);
        if (read.tooLarge !== undefined) {
          meta[m] = LINE_SLICE;
          rejects[i] = read.tooLarge;
          continue;
        }
        const info = encodeSliceRequest(setup.builders, sink, slice, repo);
        meta[m] = LINE_REQUEST;
        meta[m + 3] = info.maxCompletionTokens;
        meta[m + 4] = sink.length;
        const encoding = setup.encodings[scenario];
        let to = toCount.get(encoding);
        if (to === undefined) toCount.set(encoding, (to = { texts: [], learn: [], lines: [] }));
        const before = to.texts.length;
        meta[m + 5] = addTextsToCount(known, scenario, info.variableTexts, to);
        for (let k = before; k < to.texts.length; k++) to.lines.push(m + 5);
        codes?.codes.push(slice.code_snippet);
        codes?.hashComment.push(hashComments(slice.file_path) ? 1 : 0);
      }
      for (const [encoding, to] of toCount) {
        const counts = new Int32Array(to.texts.length);
        counterOf(encoding).countAll(to.texts, counts);
        for (let k = 0; k < counts.length; k++) {
          const at = to.lines[k]!;
          meta[at] = meta[at]! + counts[k]!;
        }
        learnCounts(known, to.learn, counts);
      }
      return { meta, ids, rejects, bytes: sink.bytes };
    },
  };
}

export type LineEncoder = ReturnType<typeof createLineEncoder>;
