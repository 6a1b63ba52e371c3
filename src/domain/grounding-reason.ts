/**
 * How a fate says its answer was not grounded in the slice's code: its reason starts with
 * `ungrounded: `, then what the code does not have. Poll writes it into the ledger; compile and
 * the failures report read it back. Pure.
 */

export const UNGROUNDED = 'ungrounded';
/** What such a reason starts with (the review page's index matches it in SQL). */
export const UNGROUNDED_PREFIX = `${UNGROUNDED}: `;
const PREFIX = UNGROUNDED_PREFIX;

/** The reason of an ungrounded answer: what was not found, the first `max` of it. */
export function ungroundedReason(missing: readonly string[], max = 5): string {
  const shown = missing.slice(0, max).join('; ');
  const more = missing.length > max ? `; and ${missing.length - max} more` : '';
  return `${PREFIX}${shown}${more}`;
}

export function isUngroundedReason(reason: string): boolean {
  return reason.startsWith(PREFIX);
}
