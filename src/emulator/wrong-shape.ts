/**
 * The `wrong_shape` fault's answer, shared by the OpenAI and Anthropic emulators: a 200 whose
 * work is done but whose body has every field null except the one naming its type (`object` for
 * OpenAI, `type` for Anthropic); in a list page, each item's.
 */
export function wrongShape(json: unknown, kept: 'object' | 'type'): unknown {
  const nulled = (o: unknown): unknown =>
    typeof o !== 'object' || o === null
      ? o
      : Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === kept ? v : null]));
  const page = json as { data?: unknown } | null;
  return typeof page === 'object' && page !== null && Array.isArray(page.data)
    ? { ...page, data: page.data.map(nulled) }
    : nulled(json);
}
