/**
 * The submission pause (submit/submit-pause.ts) kept in the state folder, `submit-pause.json`:
 * until when and why. Written atomically when a round brings a new pause, read when the
 * submitter opens (a restart honours it instead of asking once more and meeting the 429 again),
 * and removed once the pause has passed. A file that cannot be read is named in a warning and
 * ignored: it holds nothing up. Here, below the stages, so that `status` reads it too
 * (`readSubmitPause`: read only, nothing logged or removed).
 */
import { holdingPause } from '../domain/submit-pause.ts';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import { writeJsonAtomic } from '../storage/atomic-file.ts';

export const SUBMIT_PAUSE_FILE = 'submit-pause.json';

/** No submission before `until`: the API asked to wait longer than retries do. */
export interface SubmitPause {
  /** No submission before this time (ms since the epoch, our clock). */
  readonly until: number;
  /** Why, for the round report and status: what the API answered. */
  readonly reason: string;
}

/** The kept pause's file in the state folder `stateDir`. */
export function submitPausePath(stateDir: string): string {
  return join(stateDir, SUBMIT_PAUSE_FILE);
}

const PauseFileSchema = z.object({
  until: z.number().int().nonnegative(),
  reason: z.string(),
});

export interface PauseFile {
  /** The pause kept, while it lasts. */
  readonly current: SubmitPause | undefined;
  /** Keeps `pause` (or drops the file when there is none, or it has passed); returns it if it lasts. */
  keep(pause: SubmitPause | undefined): Promise<SubmitPause | undefined>;
}

/**
 * The pause in the file, if any, and whether the file is there (a broken one is); a file that
 * cannot be read is named to `log`, when given.
 */
async function readPause(
  path: string,
  log: Logger | undefined,
): Promise<{ pause: SubmitPause | undefined; present: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing) log?.warn({ err, file: path }, `could not read ${SUBMIT_PAUSE_FILE}; ignored`);
    return { pause: undefined, present: !missing };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = PauseFileSchema.safeParse(json);
  if (parsed.success) return { pause: parsed.data, present: true };
  log?.warn(
    { file: path },
    `${SUBMIT_PAUSE_FILE} is not a pause ({"until": ms, "reason": text}); ignored and removed`,
  );
  return { pause: undefined, present: true };
}

/**
 * The pause kept in the state folder while it holds at `now`; none when there is no file, it
 * has passed, or it cannot be read (the submitter ignores such a file too). Writes nothing.
 */
export async function readSubmitPause(
  stateDir: string,
  now: number,
): Promise<SubmitPause | undefined> {
  const { pause } = await readPause(submitPausePath(stateDir), undefined);
  return holdingPause(pause, now);
}

/** Opens the kept pause at `path`; one that has passed (or is broken) is removed now. */
export async function openPauseFile(
  path: string,
  deps: { readonly now: () => number; readonly log: Logger },
): Promise<PauseFile> {
  const read = await readPause(path, deps.log);
  let kept = read.pause;
  let onDisk = read.present;
  const file: PauseFile = {
    get current() {
      return kept;
    },
    async keep(pause) {
      const lasting = holdingPause(pause, deps.now());
      if (lasting === undefined) {
        if (onDisk) await unlink(path).catch(() => undefined);
        onDisk = false;
      } else if (!onDisk || kept?.until !== lasting.until || kept.reason !== lasting.reason) {
        await writeJsonAtomic(path, { until: lasting.until, reason: lasting.reason });
        onDisk = true;
      }
      kept = lasting;
      return lasting;
    },
  };
  await file.keep(kept);
  return file;
}
