/**
 * The code of a request, read back from its prompt: the value the template's `{{code}}` slot
 * was given. Pure, and linear in the prompt's length.
 *
 * The template's fixed texts are found in order: those before the slot from the start of the
 * prompt (leftmost), those after it from the end (rightmost). The values around the code (the
 * repository, the path, the focus) are short and come before or after it; the code may hold
 * anything, a fence or a line of the template included, and is still cut where the template
 * says. When the prompt was not rendered from this template (it was changed since), or the
 * slot has no fixed text on one side to find its edge by, there is no answer.
 */
import { parseTemplate, type TemplatePart } from './prompt-template.ts';

export const CODE_SLOT = 'code';

/** The fixed texts between the slots of `parts`, in order (empty texts between two slots too). */
function fixedTexts(parts: readonly TemplatePart[]): string[] {
  const out: string[] = [''];
  for (const p of parts) {
    if (p.kind === 'text') out[out.length - 1] += p.text;
    else out.push('');
  }
  return out;
}

/**
 * A function that cuts the value of `{{code}}` out of prompts rendered from `template` (the
 * template is parsed once), or says undefined.
 */
export function codeCutter(template: string): (prompt: string) => string | undefined {
  const parts = parseTemplate(template);
  const at = parts.findIndex((p) => p.kind === 'slot' && p.name === CODE_SLOT);
  if (at === -1) return () => undefined;
  const before = fixedTexts(parts.slice(0, at));
  const after = fixedTexts(parts.slice(at + 1));
  // The texts right next to the slot mark its edges: without one, the edge is a guess.
  if ((at > 0 && before[before.length - 1] === '') || (at < parts.length - 1 && after[0] === ''))
    return () => undefined;
  return (prompt) => {
    let start = 0;
    for (const [i, text] of before.entries()) {
      const found = prompt.indexOf(text, start);
      if (found === -1 || (i === 0 && found !== 0)) return undefined;
      start = found + text.length;
    }
    let end = prompt.length;
    for (let i = after.length - 1; i >= 0; i--) {
      const text = after[i]!;
      const found = prompt.lastIndexOf(text, end - text.length);
      if (found === -1 || found < start) return undefined;
      if (i === after.length - 1 && found + text.length !== prompt.length) return undefined;
      end = found;
    }
    return prompt.slice(start, end);
  };
}

/** The value of `{{code}}` in `prompt` rendered from `template`, or undefined. */
export function codeOfPrompt(prompt: string, template: string): string | undefined {
  return codeCutter(template)(prompt);
}

interface MessageLike {
  readonly role?: unknown;
  readonly content?: unknown;
}

/** The user prompt of a request body: a chat completion's user message, or a Responses input. */
export function userPromptOf(body: unknown): string | undefined {
  const b = body as { messages?: unknown; input?: unknown } | null;
  if (typeof b?.input === 'string') return b.input;
  if (!Array.isArray(b?.messages)) return undefined;
  const texts: string[] = [];
  for (const m of b.messages as readonly (MessageLike | null)[]) {
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') texts.push(m.content);
    else if (Array.isArray(m.content)) {
      for (const c of m.content as readonly ({ text?: unknown } | null)[])
        if (typeof c?.text === 'string') texts.push(c.text);
    }
  }
  return texts.length > 0 ? texts.join('\n') : undefined;
}
