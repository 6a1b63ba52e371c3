/**
 * Flags of `slicebatch emulator` for more of the real API's ways (docs/real-api.md): batches
 * that show an absent file id as `""` or stay long in finalizing, a billing hard limit, and the
 * limit on batch creations per hour.
 */
import { UsageError } from '../../errors.ts';
import { integerFlag, numberFlag, type FlagSpec, type ParsedFlags } from '../command.ts';

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

/** The faults these flags ask for, added to the profile's `http` and `batches`. */
export function addApiWayFaults(args: ParsedFlags, http: unknown[], batches: unknown[]): void {
  const empty = rate(args, 'rate-empty-file-ids');
  if (empty !== undefined) batches.push({ kind: 'empty_file_ids', rate: empty });
  const stall = rate(args, 'rate-stall');
  if (stall !== undefined)
    batches.push({ kind: 'stall', phase: 'finalizing', for_s: 3600, rate: stall });
  const billing = rate(args, 'rate-billing-hard-limit');
  if (billing !== undefined) http.push({ kind: 'billing_hard_limit', rate: billing });
}

export function batchCreatesPerHour(args: ParsedFlags): number | undefined {
  return integerFlag(args, CMD, 'batch-creates-per-hour', 1);
}
