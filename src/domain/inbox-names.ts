/**
 * Which names in the inbox (`2.reviewed_slices/`) are reviewed-slice files. Files still being
 * written under a temporary or hidden name are not read until they are renamed.
 */

export const TEMPORARY_SUFFIXES = [
  '.tmp',
  '.part',
  '.partial',
  '.crdownload',
  '.inprogress',
] as const;

export function isTemporaryName(name: string): boolean {
  const lower = name.toLowerCase();
  return name.startsWith('.') || TEMPORARY_SUFFIXES.some((s) => lower.endsWith(s));
}

/** `rel` is a path relative to the inbox, with `/` separators. */
export function isReviewedSliceFile(rel: string): boolean {
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || isTemporaryName(p))) return false;
  return rel.toLowerCase().endsWith('.jsonl');
}
