/**
 * What the API says of its files and batches, in slicebatch's own types (the port's vocabulary,
 * batch-api.ts; checked at the edge by answer-shapes.ts). Types only.
 */

export interface RemoteFile {
  readonly id: string;
  readonly bytes: number;
  readonly created_at: number;
  readonly filename: string;
  readonly purpose: string;
  /** Unix seconds after which the API deletes the file (30 days for batch files by default). */
  readonly expires_at?: number | null | undefined;
}

export interface RemoteBatchError {
  readonly code?: string | undefined;
  readonly message?: string | undefined;
  readonly param?: string | null | undefined;
  readonly line?: number | null | undefined;
}

export interface RemoteBatch {
  readonly id: string;
  readonly status: string;
  readonly endpoint: string;
  readonly model?: string | null | undefined;
  readonly input_file_id: string;
  readonly output_file_id?: string | null | undefined;
  readonly error_file_id?: string | null | undefined;
  readonly created_at: number;
  readonly in_progress_at?: number | null | undefined;
  readonly expires_at?: number | null | undefined;
  readonly finalizing_at?: number | null | undefined;
  readonly completed_at?: number | null | undefined;
  readonly failed_at?: number | null | undefined;
  readonly expired_at?: number | null | undefined;
  readonly cancelling_at?: number | null | undefined;
  readonly cancelled_at?: number | null | undefined;
  readonly request_counts?: { total: number; completed: number; failed: number } | null | undefined;
  readonly errors?: { data?: RemoteBatchError[] | null | undefined } | null | undefined;
  readonly metadata?: Record<string, string> | null | undefined;
  readonly usage?: BatchUsage | null | undefined;
}

export interface BatchUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly total_tokens: number;
  readonly input_tokens_details?: { readonly cached_tokens?: number | undefined } | undefined;
  readonly output_tokens_details?: { readonly reasoning_tokens?: number | undefined } | undefined;
}
