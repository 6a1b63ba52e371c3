/**
 * The stage folders under the data folder (the contract's names). `--data-dir` moves them all;
 * per-stage flags move one each.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';

export const STAGE_FOLDERS = {
  reviewed: '2.reviewed_slices',
  batchInput: '3.batch_input',
  batchOutput: '4.batch_output',
  finalOutput: '5.final_output',
  /** The daemon's own bookkeeping. */
  state: '.slicebatch',
} as const;

export interface DataPaths {
  readonly dataDir: string;
  readonly reviewed: string;
  readonly batchInput: string;
  readonly batchOutput: string;
  readonly finalOutput: string;
  readonly state: string;
}

export function dataPaths(
  cwd: string,
  dataDir: string,
  overrides: Partial<Omit<DataPaths, 'dataDir' | 'state'>> = {},
): DataPaths {
  const root = resolve(cwd, dataDir);
  const at = (stage: keyof typeof STAGE_FOLDERS, override?: string): string =>
    override === undefined ? join(root, STAGE_FOLDERS[stage]) : resolve(cwd, override);
  return {
    dataDir: root,
    reviewed: at('reviewed', overrides.reviewed),
    batchInput: at('batchInput', overrides.batchInput),
    batchOutput: at('batchOutput', overrides.batchOutput),
    finalOutput: at('finalOutput', overrides.finalOutput),
    state: at('state'),
  };
}

/** How an input file is named in reports and summaries: relative to the data folder. */
export function displayName(dataDir: string, path: string): string {
  const rel = relative(dataDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split('\\').join('/');
}
