/**
 * The second half of the conversion pipeline: a chunk's items, once their token counts are
 * back, go in input order to the rejects report (rejected lines, slices too large for their
 * model's context, duplicates) or into a batch input file.
 */
import type { EncodingName } from '../domain/token-counter.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { PACKED_WORDS, unpackFingerprint } from '../domain/code-fingerprint.ts';
import type { Chunk, InputFile, RequestItem } from './chunk-encoder.ts';
import type { CountedTexts, ConvertHelpers } from './helper-thread-client.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import type { RequestPlacer } from './convert-output.ts';
import type { Candidate, DuplicateGate } from './duplicate-gate.ts';
import type { ScenarioSetup } from './scenario-setup.ts';

export function createChunkPlacement(
  setup: Pick<ScenarioSetup, 'models' | 'fixedTokens' | 'contexts'>,
  placer: RequestPlacer,
  dedup: Pick<DuplicateGate, 'check' | 'keep'> | undefined,
  /** Given back the buffers of a placed chunk's fingerprints and escaped texts, for reuse. */
  giveBack: Partial<Pick<ConvertHelpers, 'giveBackFingerprints' | 'giveBackEscaped'>> = {},
) {
  const { models, contexts } = setup;
  let fixedTokens: Readonly<Record<Scenario, number>> | undefined;
  // A request line with holes is put together here before it is placed.
  const whole = new ByteSink(64 * 1024);

  const promptTokensOf = (item: RequestItem, counts: ReadonlyMap<EncodingName, CountedTexts>) => {
    const textCounts = counts.get(item.encoding)!.counts;
    let promptTokens = fixedTokens![item.scenario] + item.knownTokens;
    for (let i = 0; i < item.texts; i++) promptTokens += textCounts[item.offset + i]!;
    return promptTokens;
  };

  const placeRequest = async (
    chunk: Chunk,
    item: RequestItem,
    counts: ReadonlyMap<EncodingName, CountedTexts>,
    fingerprints: Uint32Array | undefined,
  ): Promise<void> => {
    const { file } = chunk;
    const promptTokens = promptTokensOf(item, counts);
    const context = contexts[item.scenario];
    if (promptTokens + item.maxCompletionTokens > context.contextTokens) {
      const n = (x: number): string => x.toLocaleString('en-US');
      await file.report.add({
        file: file.sourceName,
        line: item.lineNo,
        code: 'slice_too_large',
        reason:
          `${n(promptTokens)} prompt tokens + ${n(item.maxCompletionTokens)} completion tokens: ` +
          `more than the ${n(context.contextTokens)}-token context of ${context.model}; not sent`,
        id: item.sliceId,
      });
      return;
    }
    const candidate =
      fingerprints === undefined ? undefined : candidateOf(file, item, promptTokens, fingerprints);
    const duplicate = candidate === undefined ? undefined : dedup!.check(candidate);
    if (duplicate !== undefined) {
      await file.report.add({ file: file.sourceName, line: item.lineNo, ...duplicate });
      return;
    }
    const placed = await placer.place(
      item.scenario,
      {
        line: lineOf(chunk, item, counts.get(item.encoding)!.escaped),
        promptTokens,
        maxCompletionTokens: item.maxCompletionTokens,
      },
      file.sourceName,
    );
    if (placed.ok) {
      file.summary.converted[item.scenario]++;
      if (candidate !== undefined) dedup!.keep(candidate);
    } else {
      await file.report.add({
        file: file.sourceName,
        line: item.lineNo,
        code: 'request_too_large',
        reason: placed.reason,
        id: item.sliceId,
      });
    }
  };

  /** The request line of `item`, its holes filled with their escaped texts. */
  const lineOf = (chunk: Chunk, item: RequestItem, escaped: CountedTexts['escaped']): Buffer => {
    const bytes = chunk.sink.bytes;
    if (item.holeFrom === item.holeTo) return bytes.subarray(item.start, item.end);
    const { holes } = chunk;
    whole.reset();
    let from = item.start;
    for (let h = item.holeFrom; h < item.holeTo; h++) {
      const at = holes[2 * h]!;
      const k = holes[2 * h + 1]!;
      whole.writeBytes(bytes.subarray(from, at));
      whole.writeBytes(escaped.bytes.subarray(escaped.spans[2 * k], escaped.spans[2 * k + 1]));
      from = at;
    }
    whole.writeBytes(bytes.subarray(from, item.end));
    return whole.bytes;
  };

  const candidateOf = (
    file: InputFile,
    item: RequestItem,
    promptTokens: number,
    fingerprints: Uint32Array,
  ): Candidate => ({
    repo: file.listed.relDir,
    id: item.sliceId,
    file: file.sourceName,
    line: item.lineNo,
    scenario: item.scenario,
    model: models[item.scenario],
    promptTokens,
    fingerprint: unpackFingerprint(fingerprints, item.fingerprintAt * PACKED_WORDS),
  });

  return {
    /** Places a chunk's items (its sink is free for reuse once this resolves). */
    async place(chunk: Chunk): Promise<void> {
      const { file } = chunk;
      placer.useFolder(file.outDir);
      fixedTokens ??= await setup.fixedTokens;
      const counts = new Map<EncodingName, CountedTexts>();
      for (const [encoding, p] of chunk.counts) counts.set(encoding, await p);
      const fingerprints = dedup === undefined ? undefined : await chunk.fingerprints;
      for (const item of chunk.items) {
        if (item.kind === 'reject') {
          await file.report.add({ file: file.sourceName, line: item.lineNo, ...item.entry });
        } else {
          await placeRequest(chunk, item, counts, fingerprints);
        }
      }
      if (fingerprints !== undefined) giveBack.giveBackFingerprints?.(fingerprints);
      for (const answer of counts.values()) giveBack.giveBackEscaped?.(answer.escaped.bytes);
    },
  };
}
