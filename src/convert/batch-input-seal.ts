/**
 * Publishing a written batch input file under its final name: a free name is reserved by
 * creating its manifest exclusively, the manifest (totals for the token budget and the cost
 * estimate) is written and synced, and the file is linked under that name without replacing
 * anything. `batchInputManifest` is the manifest's content, pure.
 */
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, publishNoClobber } from '../storage/atomic-file.ts';
import { batchInputName, fileTimestamp, manifestNameFor } from '../domain/file-names.ts';
import type { BatchInputManifest, SourceRun } from '../domain/batch-input-manifest.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { FileFill } from './batch-file-plan.ts';

export interface SealedBatchInput {
  readonly path: string;
  readonly manifestPath: string;
  readonly manifest: BatchInputManifest;
}

/** What a file's manifest says of it, besides its name. */
export interface BatchInputTotals {
  readonly scenario: Scenario;
  readonly model: string;
  readonly fill: FileFill;
  readonly maxCompletionTokens: number;
  readonly sha256: string;
  readonly createdAt: Date;
  readonly sources: ReadonlySet<string>;
  readonly attempt: number;
  readonly runs: readonly SourceRun[];
}

export function batchInputManifest(file: string, totals: BatchInputTotals): BatchInputManifest {
  return {
    version: 1,
    file,
    scenario: totals.scenario,
    model: totals.model,
    requests: totals.fill.requests,
    bytes: totals.fill.bytes,
    prompt_tokens: totals.fill.tokens,
    max_completion_tokens: totals.maxCompletionTokens,
    sha256: totals.sha256,
    created_at: totals.createdAt.toISOString(),
    sources: [...totals.sources].sort(),
    attempt: totals.attempt,
    source_lines: totals.runs,
  };
}

/**
 * Links the complete temporary file `tmp` into `dir` under the first free name. `reserving`
 * is told of a manifest reserved and not published yet (undefined once it stays), for the
 * caller to remove on failure.
 */
export async function publishBatchInput(
  dir: string,
  tmp: string,
  totals: BatchInputTotals,
  reserving: (manifestPath: string | undefined) => void,
): Promise<SealedBatchInput> {
  const timestamp = fileTimestamp(totals.createdAt);
  for (let n = 0; ; n++) {
    const name = batchInputName(totals.scenario, timestamp, n);
    const manifestPath = join(dir, manifestNameFor(name));
    let reserved;
    try {
      reserved = await open(manifestPath, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    reserving(manifestPath);
    const manifest = batchInputManifest(name, totals);
    try {
      await reserved.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await reserved.sync();
    } finally {
      await reserved.close();
    }
    const path = join(dir, name);
    // From here the manifest stays (a leftover without its file is cleared later).
    reserving(undefined);
    if (await publishNoClobber(tmp, path)) {
      return { path, manifestPath, manifest };
    }
    // A file of that name without our manifest: leave it alone, try the next name.
    await unlink(manifestPath);
    await fsyncDir(dir);
  }
}
