/**
 * Where one slice's result stands, looked up in its repo folder's index and the ledger: a
 * duplicate id (an earlier line of the folder took the result), a usable answer (read back by
 * offset only when the ledger says it is usable: fates are not judged again), or what is known
 * of why there is none (for classifyMissing, with the slice's open fate in the ledger). A found
 * entry is marked used.
 */
import { resultFate } from '../domain/ledger-fates.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { answerOf } from '../poll/request-fate.ts';
import type { RepoInput } from './repo-terms.ts';
import type { MissingResult } from './failure-categories.ts';
import type { PositionalReader } from './positional-reader.ts';
import { readResultLine, type IndexedFile } from './repo-index.ts';
import type { ResultIndex } from './result-index.ts';

export interface IndexedRepo {
  readonly index: ResultIndex;
  readonly files: readonly IndexedFile[];
  readonly reader: PositionalReader;
}

export interface UsableResult {
  readonly answer: unknown;
  readonly reasoningSummary?: string | undefined;
}

export type SliceResult =
  | { readonly kind: 'duplicate' }
  | {
      readonly kind: 'usable';
      readonly result: UsableResult;
      readonly batchId: string;
      readonly attempt: number;
    }
  /** What the index says of why there is none (the ledger's open fate is the caller's). */
  | { readonly kind: 'missing'; readonly missing: Omit<MissingResult, 'ledger'> };

export function sliceResult(
  input: RepoInput,
  repo: IndexedRepo,
  scenario: Scenario,
  base: string,
): SliceResult {
  const slot = repo.index.find(base);
  if (slot === -1) return { kind: 'missing', missing: {} };
  const entry = repo.index.entry(slot);
  if (entry.used) return { kind: 'duplicate' };
  repo.index.markUsed(slot);
  const file = repo.files[entry.file]!;
  if (file.kind === 'input') return { kind: 'missing', missing: { inputFile: file.standing } };
  const line = readResultLine(repo.reader, repo.index, repo.files, slot, base);
  if (line.kind === 'broken') return { kind: 'missing', missing: { resultReason: line.reason } };
  if (line.kind === 'other') return { kind: 'missing', missing: {} };
  const fate = resultFate(input.fates, input.repo, base, line.attempt);
  if (fate.kind === 'unrecorded') {
    const unrecorded = { batchId: file.batchId, attempt: line.attempt };
    return { kind: 'missing', missing: { unrecorded } };
  }
  if (fate.kind !== 'usable') return { kind: 'missing', missing: {} };
  const result = answerOf(line.body, scenario);
  if (result.kind === 'usable') {
    return { kind: 'usable', result, batchId: file.batchId, attempt: line.attempt };
  }
  return {
    kind: 'missing',
    missing: { resultReason: `usable in the ledger, but ${result.reason}` },
  };
}
