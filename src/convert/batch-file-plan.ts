/**
 * How requests are laid out in batch input files: when a file is full (the names are in
 * domain/file-names.ts). Pure.
 */

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
