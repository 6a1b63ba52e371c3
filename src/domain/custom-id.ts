/**
 * The `custom_id` of a request: the one builder and the one parser. Pure.
 *
 *   scenario1_<slice id>                 first attempt (the original scripts' form)
 *   scenario1_<slice id>~attempt<n>      attempt n >= 2 of the same slice (a retry)
 *
 * The attempt marker is unambiguous because no accepted slice id ends in `~attempt<digits>`
 * (`reservedSliceIdProblem`, checked when a slice is read). Earlier versions marked retries
 * with `__a<n>`, which real slice ids do end in (`foo` and `foo__a2` collided: a slice paid
 * twice, another's answer in the dataset). Such ids are still read, but only where they can be
 * told apart: in a file of retried requests whose attempt (`requestAttempt`, from its manifest
 * or job record) is n, a custom_id without the new marker ending in `__a<n>` is the old form;
 * everywhere else `__a<n>` is part of the slice id.
 */
import type { Scenario } from './answer-schemas.ts';

export const ATTEMPT_MARKER = '~attempt';

const NEW_FORM = /^(.*)~attempt([1-9]\d*)$/s;
const SCENARIO_PREFIX = /^(scenario[12])_/;

export interface ParsedCustomId {
  /** The custom_id without its attempt marker: `scenario1_<slice id>`. */
  readonly base: string;
  readonly attempt: number;
  readonly scenario: Scenario | undefined;
  /** The slice id, when the custom_id is one of ours (`scenario1_` / `scenario2_`). */
  readonly sliceId: string | undefined;
}

export function buildCustomId(scenario: Scenario, sliceId: string, attempt = 1): string {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  }
  const base = `${scenario}_${sliceId}`;
  return attempt === 1 ? base : `${base}${ATTEMPT_MARKER}${attempt}`;
}

/** The scenario of a slice: a function is scenario 1, a class scenario 2. */
export function scenarioOf(slice: { readonly type: 'function' | 'class' }): Scenario {
  return slice.type === 'function' ? 'scenario1' : 'scenario2';
}

/** The custom_id of a slice's request: `scenario1_<id>` (a function) or `scenario2_<id>`. */
export function sliceCustomId(
  slice: { readonly type: 'function' | 'class'; readonly id: string },
  attempt = 1,
): string {
  return buildCustomId(scenarioOf(slice), slice.id, attempt);
}

/**
 * `scenario1_<slice id>~attempt3` → base `scenario1_<slice id>`, attempt 3. `requestAttempt` is
 * the attempt of the file the custom_id was read from, when known (see the header: old ids).
 */
export function parseCustomId(customId: string, requestAttempt = 1): ParsedCustomId {
  let base = customId;
  let attempt = 1;
  const m = NEW_FORM.exec(customId);
  if (m !== null) {
    base = m[1]!;
    attempt = Number(m[2]);
  } else if (requestAttempt > 1 && customId.endsWith(`__a${requestAttempt}`)) {
    base = customId.slice(0, -`__a${requestAttempt}`.length);
    attempt = requestAttempt;
  }
  const scenario = SCENARIO_PREFIX.exec(base)?.[1] as Scenario | undefined;
  const sliceId = scenario === undefined ? undefined : base.slice(scenario.length + 1);
  return { base, attempt, scenario, sliceId: sliceId === '' ? undefined : sliceId };
}

/** Why a slice id cannot be used in a custom_id, if it cannot. */
export function reservedSliceIdProblem(sliceId: string): string | undefined {
  // The marker looked for first: the expression backtracks over the whole id.
  return sliceId.includes(ATTEMPT_MARKER) && NEW_FORM.test(sliceId)
    ? `ends in "${ATTEMPT_MARKER}<digits>", which slicebatch reserves to mark a retried request in custom_id; rename the slice`
    : undefined;
}
