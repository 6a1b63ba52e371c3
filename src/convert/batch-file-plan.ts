/**
 * How requests are laid out in batch input files: names (per the contract) and when a file is
 * full. Pure.
 */
import type { Scenario } from './response-schemas.ts';

export interface FileLimits {
  readonly maxRequests: number;
  readonly maxBytes: number;
  /** Prompt tokens per file (a token cap, or the model's enqueued-token limit). */
  readonly maxTokens?: number | undefined;
}

export interface FileFill {
  readonly requests: number;
  readonly bytes: number;
  readonly tokens: number;
}

export const EMPTY_FILL: FileFill = { requests: 0, bytes: 0, tokens: 0 };

export type Placement = 'fits' | 'next_file' | 'too_large';

/**
 * Where a request goes: into the current file, into a new one, or nowhere because it alone
 * passes a per-file limit.
 */
export function placeRequest(
  fill: FileFill,
  request: { readonly bytes: number; readonly tokens: number },
  limits: FileLimits,
): Placement {
  const maxTokens = limits.maxTokens ?? Number.POSITIVE_INFINITY;
  if (request.bytes > limits.maxBytes || request.tokens > maxTokens) return 'too_large';
  if (
    fill.requests + 1 > limits.maxRequests ||
    fill.bytes + request.bytes > limits.maxBytes ||
    fill.tokens + request.tokens > maxTokens
  ) {
    return 'next_file';
  }
  return 'fits';
}

export function addToFill(
  fill: FileFill,
  request: { readonly bytes: number; readonly tokens: number },
): FileFill {
  return {
    requests: fill.requests + 1,
    bytes: fill.bytes + request.bytes,
    tokens: fill.tokens + request.tokens,
  };
}

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
