/**
 * Batch input files for submission tests: written straight into a data folder's batch input
 * stage, each with its manifest (computed as for a file without one).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchInputName, fileTimestamp, manifestNameFor } from '../../src/domain/file-names.ts';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { computeManifest, type BatchInputFile } from '../../src/submit/batch-input-files.ts';
import { writeJsonAtomic } from '../../src/storage/atomic-file.ts';
import { requestLine } from './emulator.ts';
import { RUN_START } from './test-time.ts';

const counters = tokenCounters();

/** `count` files of `requests` requests each in `<dataDir>/3.batch_input/<repo>/`. */
export async function writeBatchInputs(
  dataDir: string,
  count: number,
  requests: number,
  options: { repo?: string; tag?: string } = {},
): Promise<string[]> {
  const repo = options.repo ?? 'repo_t';
  const dir = join(dataDir, '3.batch_input', repo);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (let f = 0; f < count; f++) {
    const name = batchInputName('scenario1', fileTimestamp(RUN_START), f);
    const lines = Array.from({ length: requests }, (_, i) =>
      requestLine(`scenario1_${options.tag ?? 'x'}_${f}_${String(i).padStart(4, '0')}_func`),
    );
    const path = join(dir, name);
    await writeFile(path, lines.map((l) => `${l}\n`).join(''));
    await writeJsonAtomic(
      join(dir, manifestNameFor(name)),
      await computeManifest(path, name, counters),
    );
    paths.push(path);
  }
  return paths;
}

export function manifestTokens(files: readonly BatchInputFile[]): number[] {
  return files.map((f) => f.manifest.prompt_tokens);
}
