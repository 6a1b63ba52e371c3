/**
 * Which kept slices a near-duplicate lookup compares (duplicate-kept.ts): of the slices found
 * under a slice's LSH band keys, those that share enough bands, the most shared first, at most
 * MAX_CANDIDATES. Pure.
 */

/** Candidates compared per lookup at most (a band shared by many slices of boilerplate). */
export const MAX_CANDIDATES = 64;

/**
 * The bands a kept slice must share with a slice before they are compared: at a threshold of
 * 0.8 or more, two slices that similar share 5.2 of the 20 bands on average, and fewer than 2
 * with a probability under 2 % (at 0.8; under 0.1 % at 0.85); comparing only those spares
 * reading the slices that share one band of boilerplate. Below 0.8, one band.
 */
export function minSharedBands(threshold: number): number {
  return threshold >= 0.8 ? 2 : 1;
}

/**
 * The refs of `found` (a ref once per band it was found under; sorted here, in place) that
 * are found `need` times or more, each once: in order of refs, or, when more than
 * MAX_CANDIDATES, those found most (of equals, the first kept) in that order.
 */
export function nearCandidates(found: number[], need: number): number[] {
  found.sort((a, b) => a - b);
  const refs: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < found.length;) {
    let j = i + 1;
    while (j < found.length && found[j] === found[i]) j++;
    if (j - i >= need) {
      refs.push(found[i]!);
      counts.push(j - i);
    }
    i = j;
  }
  if (refs.length > MAX_CANDIDATES) {
    const order = refs.map((_, k) => k).sort((a, b) => counts[b]! - counts[a]! || a - b);
    refs.splice(0, refs.length, ...order.slice(0, MAX_CANDIDATES).map((k) => refs[k]!));
  }
  return refs;
}
