/**
 * A kept slice as the duplicate store's data records hold it (duplicate-kept.ts): where it
 * comes from, encoded as the record's `meta` and decoded from it, and the hash of its repo
 * folder and id that tells a slice from itself without decoding. Pure.
 */

/** A slice sent (or about to be): the one a duplicate is a duplicate of. */
export interface KeptSlice {
  readonly repo: string;
  readonly id: string;
  readonly file: string;
  readonly line: number;
  /** When it was converted (ISO). */
  readonly at: string;
}

/** FNV-1a of `repo`, a 0, then `id`. */
export function idHash(repo: string, id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < repo.length; i++) h = Math.imul(h ^ repo.charCodeAt(i), 0x01000193);
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The `meta` of a data record for `slice`. */
export const metaOf = (slice: KeptSlice): string =>
  JSON.stringify([slice.repo, slice.id, slice.file, slice.line, slice.at]);

/** The slice a data record's `meta` is about. */
export const sliceOf = (meta: string): KeptSlice => {
  const [repo, id, file, line, at] = JSON.parse(meta) as [string, string, string, number, string];
  return { repo, id, file, line, at };
};
