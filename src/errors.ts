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

/** An API failure that may succeed when tried again later (429, 5xx, connection, timeout). */
export class TransientApiError extends SlicebatchError {
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: { status?: number; requestId?: string; retryAfterMs?: number } = {},
    options?: ErrorOptions,
  ) {
    super('transient_api', message, options);
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** An API failure that will fail the same way when repeated (400, 401, 403, 404, ...). */
export class PermanentApiError extends SlicebatchError {
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly apiCode: string | undefined;
  constructor(
    message: string,
    details: { status?: number; requestId?: string; apiCode?: string } = {},
    options?: ErrorOptions,
  ) {
    super('permanent_api', message, options);
    this.status = details.status;
    this.requestId = details.requestId;
    this.apiCode = details.apiCode;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
