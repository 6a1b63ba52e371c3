/**
 * HTTP fault kinds where the account, not the request, is refused. `billing_hard_limit`: 400
 * `billing_hard_limit_reached`, "Billing hard limit has been reached" (the organisation's
 * monthly spending limit; users report it on any call, e.g.
 * https://github.com/bajrangCoder/acode-plugin-chatgpt/issues/19). A 400 that no retry and no
 * other file can get past: the client must stop submitting, not fail the file.
 */
import { ApiError } from './api-errors.ts';
import type { HttpFaultT } from './faults.ts';

export function accountRefusal(fault: HttpFaultT | undefined): ApiError | undefined {
  if (fault?.kind !== 'billing_hard_limit') return undefined;
  return new ApiError(400, 'Billing hard limit has been reached', {
    type: 'invalid_request_error',
    code: 'billing_hard_limit_reached',
  });
}
