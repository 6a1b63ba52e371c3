/**
 * Flags of `slicebatch emulator` for more of the real API's ways (docs/real-api.md): batches
 * that show an absent file id as `""` or stay long in finalizing, a billing hard limit, the
 * limit on batch creations per hour, refusals and content-filtered answers, a proxy's HTML
 * error pages, and how `retry-after` is written.
 */
import { UsageError } from '../../errors.ts';
import {
  integerFlag,
  numberFlag,
  stringFlag,
  type FlagSpec,
  type ParsedFlags,
} from '../command.ts';

const CMD = 'emulator';

export const API_WAYS_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'rate-empty-file-ids': {
    type: 'string',
    value: 'R',
    description: 'fraction of batches that show an absent output or error file id as ""',
  },
  'rate-billing-hard-limit': {
    type: 'string',
    value: 'R',
    description: 'fraction of requests answered 400 billing_hard_limit_reached',
  },
  'rate-stall': {
    type: 'string',
    value: 'R',
    description: 'fraction of batches that stay in finalizing an hour longer',
  },
  'rate-refusal': {
    type: 'string',
    value: 'R',
    description: 'fraction of requests the model refuses (message.refusal, content null)',
  },
  'rate-content-filter': {
    type: 'string',
    value: 'R',
    description: 'fraction of answers the content filter stops (finish_reason content_filter)',
  },
  'rate-gateway-html': {
    type: 'string',
    value: 'R',
    description: "fraction of requests answered by a proxy's HTML 502 page",
  },
  'retry-after-form': {
    type: 'string',
    value: 'FORM',
    description: 'how 429s write their wait: seconds (default), http_date or ms',
  },
  'batch-creates-per-hour': {
    type: 'string',
    value: 'N',
    description: 'batch creations allowed per hour, 429 beyond (default 2000, as the real API)',
  },
};

function rate(args: ParsedFlags, name: string): number | undefined {
  const r = numberFlag(args, CMD, name);
  if (r !== undefined && (r < 0 || r > 1)) {
    throw new UsageError(`slicebatch emulator: --${name} must be between 0 and 1, got ${r}`);
  }
  return r;
}

/** The faults these flags ask for, added to the profile's `http`, `batches` and `requests`. */
export function addApiWayFaults(
  args: ParsedFlags,
  http: unknown[],
  batches: unknown[],
  requests: unknown[] = [],
): void {
  const empty = rate(args, 'rate-empty-file-ids');
  if (empty !== undefined) batches.push({ kind: 'empty_file_ids', rate: empty });
  const stall = rate(args, 'rate-stall');
  if (stall !== undefined)
    batches.push({ kind: 'stall', phase: 'finalizing', for_s: 3600, rate: stall });
  const billing = rate(args, 'rate-billing-hard-limit');
  if (billing !== undefined) http.push({ kind: 'billing_hard_limit', rate: billing });
  const refusal = rate(args, 'rate-refusal');
  if (refusal !== undefined) requests.push({ kind: 'refusal', rate: refusal });
  const filtered = rate(args, 'rate-content-filter');
  if (filtered !== undefined) requests.push({ kind: 'content_filter', rate: filtered });
  const gateway = rate(args, 'rate-gateway-html');
  if (gateway !== undefined) http.push({ kind: 'gateway_html', status: 502, rate: gateway });
}

/** `--retry-after-form`: the profile's `retry_after_form`, when given. */
export function retryAfterForm(args: ParsedFlags): string | undefined {
  return stringFlag(args, 'retry-after-form');
}

export function batchCreatesPerHour(args: ParsedFlags): number | undefined {
  return integerFlag(args, CMD, 'batch-creates-per-hour', 1);
}
