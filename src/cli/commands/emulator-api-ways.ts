/**
 * Flags of `slicebatch emulator` for more of the real API's ways (docs/real-api.md): batches
 * that show an absent file id as `""`, and the limit on batch creations per hour.
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
  'batch-creates-per-hour': {
    type: 'string',
    value: 'N',
    description: 'batch creations allowed per hour, 429 beyond (default 2000, as the real API)',
  },
};

/** The batch faults these flags ask for, added to `batches`. */
export function addApiWayFaults(args: ParsedFlags, batches: unknown[]): void {
  const r = numberFlag(args, CMD, 'rate-empty-file-ids');
  if (r === undefined) return;
  if (r < 0 || r > 1) {
    throw new UsageError(
      `slicebatch emulator: --rate-empty-file-ids must be between 0 and 1, got ${r}`,
    );
  }
  batches.push({ kind: 'empty_file_ids', rate: r });
}

export function batchCreatesPerHour(args: ParsedFlags): number | undefined {
  return integerFlag(args, CMD, 'batch-creates-per-hour', 1);
}
