/**
 * When an inbox file is complete, decided from what was observed of it (pure; the clock and
 * the stats are passed in). A file is taken:
 *
 *   - at once when it was renamed into place: its temporary name (`x.jsonl.tmp`, `.x.jsonl`,
 *     ...) was seen leaving the folder just before it appeared, or its inode changed after
 *     its last write (ctime later than mtime: moved in, or finished with a chmod);
 *   - otherwise once its size and mtime have not changed for `stableMs`, by our clock, or by
 *     its mtime when file times are trusted (local disks; not on network mounts, whose clocks
 *     may differ) — which also covers files already there at start-up.
 *
 * An in-place writer updates mtime and ctime together at each write, so a file being written
 * is never taken for renamed, only for stable.
 */
import { TEMPORARY_SUFFIXES } from '../domain/inbox-names.ts';

export interface Observed {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

export interface Candidate {
  readonly stat: Observed;
  /** Our clock when the size, mtime or inode were last seen to change (or first seen). */
  readonly changedAt: number;
  /** Its temporary name was seen leaving just before it appeared. */
  readonly renamed: boolean;
}

export interface ReadinessRules {
  readonly stableMs: number;
  /** mtime may be compared with our clock (local file systems). */
  readonly trustFileTimes: boolean;
}

export type Readiness =
  | { readonly ready: true; readonly why: 'renamed' | 'stable' }
  | { readonly ready: false; readonly recheckInMs: number };

export function observe(
  prev: Candidate | undefined,
  stat: Observed,
  now: number,
  renamed = false,
): Candidate {
  const same =
    prev !== undefined &&
    prev.stat.size === stat.size &&
    prev.stat.mtimeMs === stat.mtimeMs &&
    prev.stat.ino === stat.ino;
  return {
    stat,
    changedAt: same ? prev.changedAt : now,
    renamed: renamed || (same && prev.renamed),
  };
}

export function readiness(c: Candidate, now: number, rules: ReadinessRules): Readiness {
  if (c.renamed || c.stat.ctimeMs > c.stat.mtimeMs) return { ready: true, why: 'renamed' };
  let quietFor = now - c.changedAt;
  if (rules.trustFileTimes && c.stat.mtimeMs <= now) {
    quietFor = Math.max(quietFor, now - c.stat.mtimeMs);
  }
  if (quietFor >= rules.stableMs) return { ready: true, why: 'stable' };
  return { ready: false, recheckInMs: rules.stableMs - quietFor };
}

/** Temporary names (see inbox-names.ts) under which `name` may have been written. */
export function isTemporaryNameOf(temporary: string, name: string): boolean {
  if (temporary === `.${name}`) return true;
  const lower = temporary.toLowerCase();
  return (
    lower.startsWith(name.toLowerCase()) &&
    (TEMPORARY_SUFFIXES as readonly string[]).includes(lower.slice(name.length))
  );
}
