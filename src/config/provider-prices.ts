/**
 * The price table of a provider. `prices` keys are our model names (OpenAI's batch prices, the
 * built-in table); a key `<provider>/<model>` is that provider's price of the model and, for
 * this provider, replaces the plain one. `<model>` may be the provider's own name of it (an
 * Azure deployment, a compatible server's model): its price goes to our model mapped to it.
 * Azure's global batch prices for the built-in models are OpenAI's batch prices, so the plain
 * entries serve Azure unless overridden; a compatible server's models need their prices set.
 */
import type { Price } from '../domain/cost.ts';

export function pricesForProvider(
  table: Readonly<Record<string, Price>>,
  provider: string,
  /** Our model → the provider's name of it. */
  names: Readonly<Record<string, string>>,
): Record<string, Price> {
  if (provider === 'openai') return { ...table };
  const out: Record<string, Price> = { ...table };
  const prefix = `${provider}/`;
  for (const [key, price] of Object.entries(table)) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = price;
  }
  for (const [ours, theirs] of Object.entries(names)) {
    const price = table[`${prefix}${theirs}`] ?? table[`${prefix}${ours}`];
    if (price !== undefined) out[ours] = price;
  }
  return out;
}
