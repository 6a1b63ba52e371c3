/**
 * The few error kinds of slicebatch. Each has a stable `code`; only the CLI entry maps them to
 * exit statuses (2 for usage and configuration, 1 for everything else).
 */

export class SlicebatchError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A flag or argument the command line does not accept. */
export class UsageError extends SlicebatchError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** config.json or the environment is wrong; `key` names the offending setting. */
export class ConfigError extends SlicebatchError {
  readonly key: string | undefined;
  constructor(message: string, key?: string, options?: ErrorOptions) {
    super('config', message, options);
    this.key = key;
  }
}

/** A file we were asked to read does not exist or cannot be read. */
export class InputFileError extends SlicebatchError {
  readonly file: string;
  constructor(file: string, message: string, options?: ErrorOptions) {
    super('input_file', `${file}: ${message}`, options);
    this.file = file;
  }
}

/**
 * What an API failure means for the caller (metrics count failures by it). `quota`: a 429 with
 * `code: "insufficient_quota"`; not a rate limit: nothing succeeds until the account's billing
 * changes, so it stops submission like a refused key (`auth`).
 */
export const FAILURE_KINDS = ['auth', 'quota', 'rate_limited', 'transient', 'permanent'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The facts of one failed API call, as the adapter (src/openai/) read them once. */
export interface ApiFailure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly status?: number | undefined;
  /** The API's own error code (`invalid_api_key`, `insufficient_quota`, ...). */
  readonly code?: string | undefined;
  /** The request parameter the error names (`file_id`, `input_file_id`, ...). */
  readonly param?: string | undefined;
  readonly requestId?: string | undefined;
  /** From retry-after-ms / retry-after. */
  readonly retryAfterMs?: number | undefined;
  /** The server may have done the work (lost answer, timeout, 5xx): check before redoing it. */
  readonly maybeDone: boolean;
}

/**
 * A failed API call, classified once by the adapter (src/openai/api-failure.ts): one of the
 * classes below, each with a stable `code`, the HTTP `status` (none when no answer came) and the
 * facts of the failure. Nothing above the adapter looks at the SDK's errors.
 */
export abstract class ApiError extends SlicebatchError implements ApiFailure {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly apiCode: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly maybeDone: boolean;
  /** The failure as first read (its message without the context added by `about`). */
  readonly failure: ApiFailure;

  constructor(code: string, failure: ApiFailure, message?: string, options?: ErrorOptions) {
    super(code, message ?? failure.message, options);
    this.kind = failure.kind;
    this.status = failure.status;
    this.apiCode = failure.code;
    this.requestId = failure.requestId;
    this.retryAfterMs = failure.retryAfterMs;
    this.maybeDone = failure.maybeDone;
    this.failure = failure;
  }

  /** The same failure, said of `what` (the operation that failed), with the request id. */
  about(what: string): ApiError {
    const where = this.requestId ? ` (request ${this.requestId})` : '';
    return apiError(this.failure, `${what}: ${this.failure.message}${where}`, { cause: this });
  }
}

/** The API refused the key (401): nothing works until a person fixes it. */
export class AuthApiError extends ApiError {
  constructor(failure: ApiFailure, message?: string, options?: ErrorOptions) {
    super('auth_api', failure, message, options);
  }
}

/**
 * The account has no quota left (429 `insufficient_quota`, 400 `billing_hard_limit_reached`):
 * like a refused key, nothing is submitted until a person changes the billing; not retried.
 */
export class QuotaApiError extends ApiError {
  constructor(failure: ApiFailure, message?: string, options?: ErrorOptions) {
    super('quota_api', failure, message, options);
  }
}

/**
 * An API failure that may succeed when tried again later (429 after `retryAfterMs`, 408, 409,
 * 5xx, a dropped connection, a timeout).
 */
export class TransientApiError extends ApiError {
  constructor(failure: ApiFailure, message?: string, options?: ErrorOptions) {
    super('transient_api', failure, message, options);
  }
}

/** An API failure that will fail the same way when repeated (400, 403, 404, ...). */
export class PermanentApiError extends ApiError {
  constructor(failure: ApiFailure, message?: string, options?: ErrorOptions) {
    super('permanent_api', failure, message, options);
  }
}

/** The error class for a failure: the one place a kind becomes a class. */
export function apiError(failure: ApiFailure, message?: string, options?: ErrorOptions): ApiError {
  switch (failure.kind) {
    case 'auth':
      return new AuthApiError(failure, message, options);
    case 'quota':
      return new QuotaApiError(failure, message, options);
    case 'permanent':
      return new PermanentApiError(failure, message, options);
    case 'rate_limited':
    case 'transient':
      return new TransientApiError(failure, message, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
