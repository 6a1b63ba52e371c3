/**
 * The emulator's scenario 1 stand-in answers quote the request's code, as a model that reads it
 * does: each step's `code_reference` is a line of the code, and the answer cites one of its
 * names in backticks. The code is cut from the prompt by the built-in template (a changed
 * template: the whole prompt is quoted). With the `ungrounded` fault the last step quotes a
 * line, and the answer a name, that the code does not have. Pure.
 */
import { SCENARIO1_PROMPT_TEMPLATE } from '../domain/default-prompts.ts';
import { codeCutter } from '../domain/prompt-code.ts';

const cutCode = codeCutter(SCENARIO1_PROMPT_TEMPLATE);

interface Scenario1Like {
  answer: string;
  reasoning_trace: { steps: { code_reference: string }[] };
}

function isScenario1Like(value: unknown): value is Scenario1Like {
  const v = value as Partial<Scenario1Like> | null;
  return (
    typeof v?.answer === 'string' &&
    Array.isArray(v.reasoning_trace?.steps) &&
    v.reasoning_trace.steps.every((s) => typeof s?.code_reference === 'string')
  );
}

/** A made-up name, the same for the same seed, that no code is likely to hold. */
export function madeUpName(seed: number): string {
  return `phantom_${(seed >>> 0).toString(36)}_helper`;
}

/** `value` (a scenario 1 answer, from the schema) quoting the code of `prompt`. */
export function groundedAnswer(
  value: unknown,
  prompt: string | undefined,
  seed: number,
  ungrounded: boolean,
): unknown {
  if (prompt === undefined || !isScenario1Like(value)) return value;
  const code = cutCode(prompt) ?? prompt;
  const lines = code
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const names = code.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  if (lines.length === 0 || names.length === 0) return value;
  const steps = value.reasoning_trace.steps.map((step, i) => ({
    ...step,
    code_reference: lines[(seed + i) % lines.length]!,
  }));
  // The longest name (the first of them): a function's own name or a parameter, mostly.
  let name = names[0]!;
  for (const n of names) if (n.length > name.length) name = n;
  let answer = `${value.answer} It relies on \`${name}\`.`;
  if (ungrounded) {
    const phantom = madeUpName(seed);
    steps[steps.length - 1] = {
      ...steps[steps.length - 1]!,
      code_reference: `return ${phantom}(state);`,
    };
    answer = `${answer} It calls \`${phantom}\` first.`;
  }
  return { ...value, answer, reasoning_trace: { ...value.reasoning_trace, steps } };
}
