/**
 * The `emulator` command's flags turned into the emulator's settings: the schedule (demo or
 * `--realistic`, each step overridable), the fault profile (a `--faults` JSON file, then the
 * `--rate-*`, `--seed`, `--clock-offset` and `--list-lag` flags on top), and `--token-limit`s.
 * Bad values are usage errors naming the flag.
 */
import { addApiWayFaults, retryAfterForm } from './emulator-api-ways.ts';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { REALISTIC_SCHEDULE, type Schedule } from '../../emulator/batch-lifecycle.ts';
import { DEMO_SCHEDULE } from '../../emulator/emulator.ts';
import { FaultProfileSchema, type FaultProfile } from '../../emulator/faults.ts';
import { UsageError, errorMessage } from '../../errors.ts';
import { booleanFlag, integerFlag, numberFlag, stringFlag, type ParsedFlags } from '../command.ts';

const CMD = 'emulator';

export function scheduleOf(args: ParsedFlags): Schedule {
  const base: Schedule = booleanFlag(args, 'realistic') ? REALISTIC_SCHEDULE : DEMO_SCHEDULE;
  const ms = (name: string, fallback: number): number => integerFlag(args, CMD, name) ?? fallback;
  return {
    validatingMs: ms('validating-ms', base.validatingMs),
    msPerRequest: ms('ms-per-request', base.msPerRequest),
    finalizingMs: ms('finalizing-ms', base.finalizingMs),
    cancellingMs: ms('cancelling-ms', base.cancellingMs),
    completionWindowMs: ms('completion-window-ms', base.completionWindowMs),
  };
}

function rate(args: ParsedFlags, name: string): number | undefined {
  const r = numberFlag(args, CMD, name);
  if (r !== undefined && (r < 0 || r > 1)) {
    throw new UsageError(`slicebatch emulator: --${name} must be between 0 and 1, got ${r}`);
  }
  return r;
}

async function profileFile(args: ParsedFlags, cwd: string): Promise<Record<string, unknown>> {
  const file = stringFlag(args, 'faults');
  if (file === undefined) return {};
  try {
    return JSON.parse(await readFile(resolve(cwd, file), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`slicebatch emulator: --faults ${file}: ${errorMessage(err)}`);
  }
}

/** The faults of the `--rate-*` flags, added to a profile's lists. */
function addRateFaults(
  args: ParsedFlags,
  lists: { http: unknown[]; requests: unknown[]; batches: unknown[] },
): void {
  const { http, requests, batches } = lists;
  const r429 = rate(args, 'rate-429');
  if (r429 !== undefined) http.push({ kind: 'status', status: 429, retry_after_s: 1, rate: r429 });
  const r500 = rate(args, 'rate-500');
  if (r500 !== undefined) http.push({ kind: 'status', status: 500, rate: r500 });
  const rDrop = rate(args, 'rate-drop');
  if (rDrop !== undefined) http.push({ kind: 'drop', rate: rDrop });
  const rLost = rate(args, 'rate-lost-create');
  if (rLost !== undefined)
    http.push({ route: 'POST /v1/batches', kind: 'lose_answer', rate: rLost });
  const rInvalid = rate(args, 'rate-invalid-json');
  if (rInvalid !== undefined) requests.push({ kind: 'invalid_json', rate: rInvalid });
  const rUngrounded = rate(args, 'rate-ungrounded');
  if (rUngrounded !== undefined) requests.push({ kind: 'ungrounded', rate: rUngrounded });
  const rReqErr = rate(args, 'rate-request-error');
  if (rReqErr !== undefined)
    requests.push({ kind: 'error_object', code: 'server_error', rate: rReqErr });
  const rExpire = rate(args, 'rate-expire');
  if (rExpire !== undefined) batches.push({ kind: 'expire', after_fraction: 0.5, rate: rExpire });
}

export async function faultProfile(args: ParsedFlags, cwd: string): Promise<FaultProfile> {
  const raw = await profileFile(args, cwd);
  const lists = {
    http: [...((raw['http'] as unknown[] | undefined) ?? [])],
    requests: [...((raw['requests'] as unknown[] | undefined) ?? [])],
    batches: [...((raw['batches'] as unknown[] | undefined) ?? [])],
  };
  addRateFaults(args, lists);
  addApiWayFaults(args, lists.http, lists.batches, lists.requests);
  const form = retryAfterForm(args);
  const seed = integerFlag(args, CMD, 'seed');
  const clockOffset = numberFlag(args, CMD, 'clock-offset');
  const listLag = numberFlag(args, CMD, 'list-lag');
  const parsed = FaultProfileSchema.safeParse({
    ...raw,
    ...lists,
    ...(seed !== undefined ? { seed } : {}),
    ...(clockOffset !== undefined ? { clock_offset_s: clockOffset } : {}),
    ...(listLag !== undefined ? { list_lag_s: listLag } : {}),
    ...(form !== undefined ? { retry_after_form: form } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `slicebatch emulator: fault profile: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

export function tokenLimits(args: ParsedFlags): Record<string, number> {
  const out: Record<string, number> = {};
  const values = args.values['token-limit'];
  for (const v of Array.isArray(values) ? values : []) {
    const m = /^(.+)=(\d+)$/.exec(v);
    if (m === null) {
      throw new UsageError(
        `slicebatch emulator: --token-limit expects MODEL=TOKENS, got ${JSON.stringify(v)}`,
      );
    }
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
