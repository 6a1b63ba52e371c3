/**
 * Token counts of short variable texts met before, so that they are not sent to the helper
 * thread again. Most of a template's variable segments take few values: `Repository: <folder>`
 * is the same for every slice of a folder, `Complexity: <complexity>` and the focus have three.
 * A text's count does not depend on the request around it (prompt-template.ts cuts segments
 * where no token crosses), so a count learned from the helper's answer is the count of the same
 * text in any later request: exact.
 *
 * One store per (scenario, segment). A segment whose texts rarely repeat (the function's path
 * and name) stops being looked up after a while, so it costs nothing per slice; a store that
 * fills is emptied (memory stays bounded, and a new repo folder's texts are learned again).
 */
import type { Scenario } from '../domain/answer-schemas.ts';

/** Longer texts (the code) are always counted: they rarely repeat. */
export const MAX_KNOWN_CHARS = 200;
/** Texts held per segment before its store is emptied. */
export const MAX_KNOWN_TEXTS = 1024;
/** Look-ups after which a segment that hits less than one time in HIT_FRACTION is given up. */
export const TRIAL_LOOKUPS = 4096;
const HIT_FRACTION = 4;

interface SegmentStore {
  readonly counts: Map<string, number>;
  lookups: number;
  hits: number;
  givenUp: boolean;
}

export interface KnownTextCounts {
  /** The count of `text` as segment `segment` of a request of `scenario`, when known. */
  get(scenario: Scenario, segment: number, text: string): number | undefined;
  /** Whether `text` is worth learning once counted (it may be asked for again). */
  wants(scenario: Scenario, segment: number, text: string): boolean;
  /** Remembers `text`'s count. */
  learn(scenario: Scenario, segment: number, text: string, count: number): void;
}

export function createKnownTextCounts(): KnownTextCounts {
  const stores: Record<Scenario, SegmentStore[]> = { scenario1: [], scenario2: [] };
  const storeOf = (scenario: Scenario, segment: number): SegmentStore => {
    const list = stores[scenario];
    let store = list[segment];
    if (store === undefined) {
      store = { counts: new Map(), lookups: 0, hits: 0, givenUp: false };
      list[segment] = store;
    }
    return store;
  };
  return {
    get(scenario, segment, text) {
      if (text.length > MAX_KNOWN_CHARS) return undefined;
      const store = storeOf(scenario, segment);
      if (store.givenUp) return undefined;
      const count = store.counts.get(text);
      store.lookups++;
      if (count !== undefined) store.hits++;
      else if (store.lookups >= TRIAL_LOOKUPS && store.hits * HIT_FRACTION < store.lookups) {
        store.givenUp = true;
        store.counts.clear();
      }
      return count;
    },
    wants(scenario, segment, text) {
      return text.length <= MAX_KNOWN_CHARS && !storeOf(scenario, segment).givenUp;
    },
    learn(scenario, segment, text, count) {
      const store = storeOf(scenario, segment);
      if (store.givenUp) return;
      if (store.counts.size >= MAX_KNOWN_TEXTS) store.counts.clear();
      store.counts.set(text, count);
    },
  };
}
