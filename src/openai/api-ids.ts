/**
 * Ids that come from the API (batch ids, file ids) become parts of file names
 * (`batch_job_<batch id>.json`, `batch_results_<batch id>.jsonl`). An id is used only when it
 * is a plain name: letters, digits, `_`, `-` and `.`, starting with a letter or digit, at most
 * 200 characters (OpenAI's are `batch_…` / `file-…`). Anything else (a `/`, `..`, a NUL, a
 * colon) is refused before it names a file or is sent back to the API. Pure.
 */
import { PermanentApiError } from '../errors.ts';
import { shortened } from '../format.ts';

const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export type ApiIdKind = 'batch id' | 'file id';

export function isPlainApiId(id: unknown): id is string {
  return typeof id === 'string' && PLAIN_ID.test(id);
}

function shown(id: unknown): string {
  const text = JSON.stringify(id) ?? String(id);
  return shortened(text, 120);
}

/** An id the API returned that cannot be used: the call counts as failed (permanently). */
export class UnsafeApiIdError extends PermanentApiError {
  readonly id: unknown;
  constructor(kind: ApiIdKind, id: unknown, where: string) {
    super({
      kind: 'permanent',
      message:
        `unsafe id (${where}): ${kind} ${shown(id)} is not a plain name ` +
        '(letters, digits, "_", "-", "." only); not used, nothing is written or deleted for it',
      maybeDone: false,
    });
    this.id = id;
  }
}

/** `id`, when it is a plain name; throws UnsafeApiIdError otherwise. */
export function plainApiId(kind: ApiIdKind, id: unknown, where: string): string {
  if (!isPlainApiId(id)) throw new UnsafeApiIdError(kind, id, where);
  return id;
}

/** The same, for an optional id (null or absent stays so). */
export function plainOptionalApiId<T extends string | null | undefined>(
  kind: ApiIdKind,
  id: T,
  where: string,
): T {
  if (id === null || id === undefined) return id;
  return plainApiId(kind, id, where) as T;
}
