/**
 * How a fate says the model would not answer (a refusal, or the content filter stopped the
 * answer): its reason starts with `refused: `, then what the API said. Poll writes it into the
 * ledger; compile's failures report and the review page read it back as the `refused`
 * category. Pure.
 */

export const REFUSED = 'refused';
/** What such a reason starts with (the review page's index matches it in SQL). */
export const REFUSED_PREFIX = `${REFUSED}: `;
const PREFIX = REFUSED_PREFIX;

export function refusedReason(what: string): string {
  return `${PREFIX}${what}`;
}

export function isRefusedReason(reason: string): boolean {
  return reason.startsWith(PREFIX);
}
