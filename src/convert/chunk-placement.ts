/**
 * The second half of the conversion pipeline: a chunk's items, once their token counts are
 * back, go in input order to the rejects report (rejected lines, slices too large for their
 * model's context, duplicates) or into a batch input file.
 */
import type { EncodingName } from '../domain/token-counter.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { PACKED_WORDS, unpackFingerprint } from '../domain/code-fingerprint.ts';
import type { Chunk, InputFile, RequestItem } from './chunk-encoder.ts';
import type { RequestPlacer } from './convert-output.ts';
import type { Candidate, DuplicateGate } from './duplicate-gate.ts';
import type { ScenarioSetup } from './scenario-setup.ts';

export function createChunkPlacement(
  setup: Pick<ScenarioSetup, 'models' | 'fixedTokens' | 'contexts'>,
  placer: RequestPlacer,
  dedup: Pick<DuplicateGate, 'check' | 'keep'> | undefined,
  /** A placed chunk's fingerprints, no longer read (their buffer is reused). */
  giveBackFingerprints: (words: Uint32Array) => void = () => undefined,
) {
  const { models, contexts } = setup;
  let fixedTokens: Readonly<Record<Scenario, number>> | undefined;

  const promptTokensOf = (item: RequestItem, counts: ReadonlyMap<EncodingName, Int32Array>) => {
    const textCounts = counts.get(item.encoding)!;
    let promptTokens = fixedTokens![item.scenario] + item.knownTokens;
    for (let i = 0; i < item.texts; i++) promptTokens += textCounts[item.offset + i]!;
    return promptTokens;
  };

  const placeRequest = async (
    chunk: Chunk,
    item: RequestItem,
    counts: ReadonlyMap<EncodingName, Int32Array>,
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
        line: chunk.sink.bytes.subarray(item.start, item.end),
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
      const counts = new Map<EncodingName, Int32Array>();
      for (const [encoding, p] of chunk.counts) counts.set(encoding, await p);
      const fingerprints = dedup === undefined ? undefined : await chunk.fingerprints;
      for (const item of chunk.items) {
        if (item.kind === 'reject') {
          await file.report.add({ file: file.sourceName, line: item.lineNo, ...item.entry });
        } else {
          await placeRequest(chunk, item, counts, fingerprints);
        }
      }
      if (fingerprints !== undefined) giveBackFingerprints(fingerprints);
    },
  };
}
