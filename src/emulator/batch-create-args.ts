/**
 * The arguments of `POST /v1/batches` as the API checks them, with its error messages: the input
 * file id, the endpoint and completion window the provider's dialect accepts, `metadata` (at most
 * 16 string pairs, keys up to 64 and values up to 512 characters) and `output_expires_after`.
 * Pure: a body in, the batch's arguments or an ApiError out.
 */
import { apiErrors } from './api-errors.ts';
import { SUPPORTED_ENDPOINTS } from './batch-service.ts';
import type { BatchCreateParams } from './batch-record.ts';
import type { EmulatorDialect } from './dialects.ts';

/** The input file id (checked first: a batch on a file not ready is refused before the rest). */
export function inputFileIdOf(body: Record<string, unknown>): string {
  if (typeof body.input_file_id !== 'string') {
    throw apiErrors.badRequest("Missing required parameter: 'input_file_id'.", 'input_file_id');
  }
  return body.input_file_id;
}

export function batchCreateArgs(
  body: Record<string, unknown>,
  dialect: EmulatorDialect,
): BatchCreateParams {
  const input_file_id = inputFileIdOf(body);
  const endpoint = dialect.endpoint(body.endpoint);
  if (!(SUPPORTED_ENDPOINTS as readonly unknown[]).includes(endpoint)) {
    throw apiErrors.badRequest(
      `Invalid 'endpoint': '${String(body.endpoint)}'; this emulator supports ${SUPPORTED_ENDPOINTS.join(', ')}.`,
      'endpoint',
    );
  }
  if (!dialect.completionWindows.includes(body.completion_window as string)) {
    throw apiErrors.badRequest(
      `Invalid 'completion_window': one of ${dialect.completionWindows.map((w) => `'${w}'`).join(', ')} expected.`,
      'completion_window',
    );
  }
  return {
    input_file_id,
    endpoint: endpoint as string,
    completion_window: body.completion_window as string,
    metadata: checkMetadata(body.metadata),
    output_expires_after_s: checkExpiresAfter(body.output_expires_after, dialect.outputExpiry),
  };
}

function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw apiErrors.badRequest("Invalid 'metadata': expected an object.", 'metadata');
  }
  const entries = Object.entries(metadata);
  if (entries.length > 16)
    throw apiErrors.badRequest("Invalid 'metadata': at most 16 keys.", 'metadata');
  for (const [k, v] of entries) {
    if (k.length > 64)
      throw apiErrors.badRequest(
        `Invalid 'metadata': key '${k.slice(0, 20)}…' is longer than 64 characters.`,
        'metadata',
      );
    if (typeof v !== 'string')
      throw apiErrors.badRequest(
        `Invalid 'metadata': value of '${k}' must be a string.`,
        'metadata',
      );
    if (v.length > 512)
      throw apiErrors.badRequest(
        `Invalid 'metadata': value of '${k}' is longer than 512 characters.`,
        'metadata',
      );
  }
  return metadata as Record<string, string>;
}

/** `output_expires_after: {anchor: "created_at", seconds: 3600..2592000}` (the dialect's range). */
function checkExpiresAfter(
  value: unknown,
  range: EmulatorDialect['outputExpiry'],
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (range === null) {
    throw apiErrors.badRequest(
      "Unrecognized request argument supplied: 'output_expires_after'.",
      'output_expires_after',
    );
  }
  const v = value as { anchor?: unknown; seconds?: unknown };
  if (
    typeof value !== 'object' ||
    v.anchor !== 'created_at' ||
    !Number.isInteger(v.seconds) ||
    (v.seconds as number) < range.minS ||
    (v.seconds as number) > range.maxS
  ) {
    throw apiErrors.badRequest(
      `Invalid 'output_expires_after': {anchor: 'created_at', seconds: ${range.minS} to ${range.maxS}} expected.`,
      'output_expires_after',
    );
  }
  return v.seconds as number;
}
