/**
 * Prompt templates: text with `{{placeholder}}` slots.
 *
 * A compiled template is cut into segments so that token counting stays exact while the fixed
 * text is counted once: a BPE tokenizer's split expression (o200k and cl100k alike) never joins
 * a newline to a following character that is neither whitespace nor `/`, so cutting there gives
 * segments whose token counts add up to the count of the whole. Segments without a slot are
 * counted once per template; segments with slots are rendered and counted per slice (small ones
 * cost little thanks to the counter's chunk cache).
 */

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'slot'; readonly name: string };

export type TemplateSegment =
  | { readonly kind: 'fixed'; readonly text: string }
  | { readonly kind: 'variable'; readonly parts: readonly TemplatePart[] };

const SLOT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(SLOT)) {
    if (m.index > last) parts.push({ kind: 'text', text: template.slice(last, m.index) });
    parts.push({ kind: 'slot', name: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

export function placeholdersOf(template: string): string[] {
  return [...new Set(parseTemplate(template).flatMap((p) => (p.kind === 'slot' ? [p.name] : [])))];
}

/** True when a token boundary is certain between text[i - 1] and text[i]. */
function safeCut(text: string, i: number): boolean {
  const before = text.charCodeAt(i - 1);
  if (before !== 0x0a && before !== 0x0d) return false;
  const after = text[i]!;
  return after !== '/' && !/\s/u.test(after);
}

export function segmentTemplate(parts: readonly TemplatePart[]): TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  let current: TemplatePart[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    if (current.every((p) => p.kind === 'text')) {
      segments.push({
        kind: 'fixed',
        text: current.map((p) => (p as { text: string }).text).join(''),
      });
    } else {
      segments.push({ kind: 'variable', parts: current });
    }
    current = [];
  };
  for (const part of parts) {
    if (part.kind === 'slot') {
      current.push(part);
      continue;
    }
    let from = 0;
    for (let i = 1; i < part.text.length; i++) {
      if (safeCut(part.text, i)) {
        current.push({ kind: 'text', text: part.text.slice(from, i) });
        flush();
        from = i;
      }
    }
    current.push({ kind: 'text', text: part.text.slice(from) });
  }
  flush();
  // Merge neighbouring fixed segments: fewer pieces, same counts.
  const merged: TemplateSegment[] = [];
  for (const s of segments) {
    const prev = merged[merged.length - 1];
    if (s.kind === 'fixed' && prev?.kind === 'fixed') {
      merged[merged.length - 1] = { kind: 'fixed', text: prev.text + s.text };
    } else {
      merged.push(s);
    }
  }
  return merged;
}

export function renderParts(
  parts: readonly TemplatePart[],
  values: Readonly<Record<string, string>>,
): string {
  let out = '';
  for (const p of parts) out += p.kind === 'text' ? p.text : (values[p.name] ?? '');
  return out;
}
