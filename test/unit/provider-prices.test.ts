/**
 * Prices per provider: `<provider>/<model>` keys replace the plain price for that provider, by
 * our model name or by the provider's own name of it (an Azure deployment, a compatible
 * server's model); other providers keep the plain table. `run --provider` makes the table again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { DEFAULT_PRICES } from '../../src/config/schema.ts';
import { withProvider } from '../../src/providers/emulator-config.ts';

const AZURE_PRICE = { input: 0.08, output: 0.32 };
const GROQ_PRICE = { input: 0.025, output: 0.04 };

test('a provider-prefixed price replaces the plain one for that provider only', () => {
  const raw = {
    prices: {
      'azure/mini-batch': AZURE_PRICE,
      'openai_compatible/llama-3.1-8b-instant': GROQ_PRICE,
    },
    azure: { deployments: { 'gpt-4o-mini': 'mini-batch' } },
    openai_compatible: { models: { 'gpt-4o-mini': 'llama-3.1-8b-instant' } },
  };
  const openai = parseConfig(raw, 'test');
  assert.deepEqual(openai.prices['gpt-4o-mini'], DEFAULT_PRICES['gpt-4o-mini']);
  const azure = parseConfig({ ...raw, provider: 'azure' }, 'test');
  assert.deepEqual(azure.prices['gpt-4o-mini'], AZURE_PRICE);
  assert.deepEqual(azure.prices['gpt-4.1-mini'], DEFAULT_PRICES['gpt-4.1-mini']);
  const groq = parseConfig({ ...raw, provider: 'openai_compatible' }, 'test');
  assert.deepEqual(groq.prices['gpt-4o-mini'], GROQ_PRICE);
  assert.deepEqual(withProvider(openai, 'azure').prices['gpt-4o-mini'], AZURE_PRICE);
  assert.equal(withProvider(openai, 'azure').scenarios.scenario2.provider, 'azure');
  assert.throws(() => withProvider(openai, 'bedrock'), { key: 'provider' });
});
