/**
 * A submission pause (the API asked to wait longer than retries do; kept by the submitter in
 * `.slicebatch/submit-pause.json`): whether it still holds, and the words every view uses for
 * it (status, health, the review page). Pure.
 */
export interface PauseLike {
  /** No submission before this time (ms since the epoch). */
  readonly until: number;
  readonly reason: string;
}

/** The pause while it holds at `now`; undefined without one or once it has passed. */
export function holdingPause<P extends PauseLike>(
  pause: P | null | undefined,
  now: number,
): P | undefined {
  return pause !== null && pause !== undefined && now < pause.until ? pause : undefined;
}

/** "submission paused until <time> (<why>)". */
export function pauseWords(untilIso: string, reason: string): string {
  return `submission paused until ${untilIso} (${reason})`;
}
