/**
 * The names slicebatch gives its files (per the contract): batch input files, their manifests,
 * rejects reports, and the local timestamps in them. Pure.
 */
import type { Scenario } from './answer-schemas.ts';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYYMMDD_HHMMSS` in local time, as the original scripts named their files. */
export function fileTimestamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

/** `scenario1_batch_input_<ts>.jsonl`, then `_1`, `_2`, ... when that name is taken. */
export function batchInputName(scenario: Scenario, timestamp: string, n: number): string {
  return `${scenario}_batch_input_${timestamp}${n > 0 ? `_${n}` : ''}.jsonl`;
}

export const BATCH_INPUT_NAME = /^(scenario[12])_batch_input_(\d{8}_\d{6})(?:_(\d+))?\.jsonl$/;

export function isBatchInputName(name: string): boolean {
  return BATCH_INPUT_NAME.test(name);
}

/** The manifest that keeps the totals of a batch input file beside it. */
export function manifestNameFor(batchInputName: string): string {
  return batchInputName.replace(/\.jsonl$/, '.manifest.json');
}

/** The rejects report of a reviewed-slice file, in the batch input stage. */
export function rejectsReportName(inputFileName: string): string {
  return `${inputFileName.replace(/\.jsonl$/i, '')}.rejects.jsonl`;
}
