/**
 * A request whose parameters its model refuses (domain/reasoning-models.ts: a reasoning model
 * given a `temperature` or `top_p` other than 1, or `max_tokens`) is answered as the real API
 * answers it: a 400 `invalid_request_error` naming the parameter, in a batch one error-file
 * line per such request. A default, not a fault: the real API always does it. Pure.
 */
import { refusedParam } from '../domain/reasoning-models.ts';
import { ApiError, type ApiErrorBody } from './api-errors.ts';

/** The 400 body for a request `body` whose model refuses one of its parameters. */
export function refusedParamBody(body: unknown): ApiErrorBody | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Readonly<Record<string, unknown>>;
  if (typeof b['model'] !== 'string') return undefined;
  const refused = refusedParam(b['model'], b);
  if (refused === undefined) return undefined;
  return {
    error: {
      message: refused.message,
      type: 'invalid_request_error',
      param: refused.param,
      code: refused.code,
    },
  };
}

/** The same answer thrown as an HTTP 400 (a direct `POST /v1/chat/completions`). */
export function throwIfRefusedParam(body: unknown): void {
  const refused = refusedParamBody(body);
  if (refused === undefined) return;
  const { message, param, code } = refused.error;
  throw new ApiError(400, message, { param, code });
}
