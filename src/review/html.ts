/**
 * HTML for the review page, built as strings with every value escaped: slices and answers hold
 * arbitrary code, so nothing from the data folder reaches the page unescaped. `html` is a
 * tagged template that escapes each value unless it is already `Html` (built here). Pure.
 */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** A URL path segment (a slice id or repo folder may hold any character). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

export function sliceUrl(repo: string, sliceId: string): string {
  return `/slices/${seg(repo === '' ? '_' : repo)}/${seg(sliceId)}`;
}

export function page(options: {
  readonly title: string;
  readonly body: Html;
  readonly nav: 'overview' | 'slices';
}): string {
  const tab = (href: string, label: string, on: boolean): Html =>
    html`<a href="${href}" ${new Html(on ? ' aria-current="page"' : '')}>${label}</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · slicebatch</title>
        <link rel="stylesheet" href="/assets/review.css" />
        <script src="/assets/review.js" defer></script>
      </head>
      <body>
        <header>
          <strong>slicebatch</strong>
          <nav>
            ${tab('/', 'Overview', options.nav === 'overview')}
            ${tab('/slices', 'Slices', options.nav === 'slices')}
          </nav>
        </header>
        <main>${options.body}</main>
      </body>
    </html> `.text;
}

/** A JSON value rendered for a person: objects as labelled sections, arrays as lists. */
export function renderValue(value: unknown): Html {
  if (value === null || value === undefined) return html`<em>none</em>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<em>none</em>`;
    return html`<ol>
      ${value.map((v) => html`<li>${renderValue(v)}</li>`)}
    </ol>`;
  }
  if (typeof value === 'object') {
    return html`<dl>
      ${Object.entries(value as Record<string, unknown>).map(
        ([k, v]) =>
          html`<dt>${k.replaceAll('_', ' ')}</dt>
            <dd>${renderValue(v)}</dd>`,
      )}
    </dl>`;
  }
  return html`<span class="text"
    >${typeof value === 'string' ? value : JSON.stringify(value)}</span
  >`;
}

export function money(usd: number): string {
  return `$${usd.toFixed(usd >= 100 ? 0 : 4)}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
