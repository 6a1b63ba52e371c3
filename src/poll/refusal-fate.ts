/**
 * A response the model would not give: final at once, never sent again (the same request
 * would be refused or filtered again, and paid again). Pure.
 *
 * - chat completions: `message.refusal` set (a structured-outputs refusal, `content: null`), or
 *   `finish_reason: "content_filter"` (content omitted or cut by the content filter);
 * - Responses: a `refusal` content part in a message of `output[]`, or `status: "incomplete"`
 *   with `incomplete_details.reason: "content_filter"`.
 *
 * The reason (refusal-reason.ts) quotes the refusal, cut to 200 characters.
 */
import { refusedReason } from '../domain/refusal-reason.ts';

const MAX_QUOTE = 200;

function quoted(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > MAX_QUOTE ? `${flat.slice(0, MAX_QUOTE)}…` : flat);
}

interface Body {
  readonly object?: unknown;
  readonly status?: unknown;
  readonly incomplete_details?: { readonly reason?: unknown } | null;
  readonly output?: unknown;
  readonly choices?: readonly {
    readonly message?: { readonly content?: unknown; readonly refusal?: unknown } | null;
    readonly finish_reason?: unknown;
  }[];
}

interface ContentPart {
  readonly type?: unknown;
  readonly refusal?: unknown;
}

interface OutputItem {
  readonly type?: unknown;
  readonly content?: unknown;
}

/** A final fate of request-fate.ts. */
export interface RefusedFate {
  readonly kind: 'final';
  readonly reason: string;
}

function final(what: string): RefusedFate {
  return { kind: 'final', reason: refusedReason(what) };
}

/** The final fate of a refused or filtered response; undefined for any other. */
export function refusalFate(body: unknown): RefusedFate | undefined {
  const b = body as Body | null;
  if (b === null || typeof b !== 'object') return undefined;
  if (b.object === 'response' || Array.isArray(b.output)) {
    for (const item of (Array.isArray(b.output) ? b.output : []) as OutputItem[]) {
      if (item?.type !== 'message') continue;
      const parts = (Array.isArray(item.content) ? item.content : []) as ContentPart[];
      const part = parts.find((c) => c?.type === 'refusal');
      if (part !== undefined) {
        const text = typeof part.refusal === 'string' ? part.refusal : '';
        return final(`the model declined: ${quoted(text)} (a refusal content part)`);
      }
    }
    if (b.status === 'incomplete' && b.incomplete_details?.reason === 'content_filter') {
      return final(
        'the content filter stopped the answer (status incomplete, incomplete_details.reason content_filter); not sent again',
      );
    }
    return undefined;
  }
  const choice = b.choices?.[0];
  const refusal = choice?.message?.refusal;
  if (typeof refusal === 'string' && refusal.trim() !== '') {
    return final(`the model declined: ${quoted(refusal)} (message.refusal)`);
  }
  if (choice?.finish_reason === 'content_filter') {
    const content = choice.message?.content;
    const kept =
      typeof content === 'string' && content !== ''
        ? `${content.length} characters kept`
        : 'no content';
    return final(
      `the content filter stopped the answer (finish_reason content_filter, ${kept}); not sent again`,
    );
  }
  return undefined;
}
