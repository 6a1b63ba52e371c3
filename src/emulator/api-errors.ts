/**
 * Error answers in the API's shape: `{"error": {"message", "type", "param", "code"}}` with the
 * status the real service uses.
 */

export interface ApiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    message: string,
    details: {
      type?: string;
      param?: string | null;
      code?: string | null;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.status = status;
    this.body = {
      error: {
        message,
        type: details.type ?? 'invalid_request_error',
        param: details.param ?? null,
        code: details.code ?? null,
      },
    };
    this.headers = details.headers ?? {};
  }
}

export const apiErrors = {
  missingKey: () =>
    new ApiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      { code: null },
    ),
  wrongKey: () =>
    new ApiError(
      401,
      'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
      {
        code: 'invalid_api_key',
      },
    ),
  permanent: (status: number) =>
    status === 401
      ? apiErrors.wrongKey()
      : new ApiError(
          status,
          status === 403
            ? '(emulated fault) You are not allowed to perform this request.'
            : status === 404
              ? '(emulated fault) Not found.'
              : '(emulated fault) Invalid request.',
          { code: null },
        ),
  notFound: (what: string, id: string) =>
    new ApiError(404, `No such ${what}: '${id}'`, { param: 'id', code: null }),
  badRequest: (message: string, param: string | null = null, code: string | null = null) =>
    new ApiError(400, message, { param, code }),
  unknownRoute: (method: string, path: string) =>
    new ApiError(404, `Invalid URL (${method} ${path})`, { code: null }),
  rateLimited: (retryAfterSeconds: number) =>
    new ApiError(429, 'Rate limit reached for requests. Please try again later.', {
      type: 'requests',
      code: 'rate_limit_exceeded',
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  insufficientQuota: () =>
    new ApiError(
      429,
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      { type: 'insufficient_quota', code: 'insufficient_quota' },
    ),
  fileNotReady: (fileId: string) =>
    new ApiError(
      400,
      `Cannot find file ${fileId}, or project proj_emulator does not have access to it.`,
      { param: 'file_id', code: null },
    ),
  server: (status: number) =>
    new ApiError(
      status,
      status === 503
        ? 'The server is overloaded or not ready yet.'
        : 'The server had an error while processing your request. Sorry about that!',
      { type: 'server_error', code: null },
    ),
};
