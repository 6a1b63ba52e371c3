/**
 * How config.json reaches the APIs: the OpenAI connection keys (top level, or in the original
 * scripts' nested `openai` object), the `anthropic` object, and the checks of an API key and a
 * URL. Each key can come from the environment too (provider-keys.ts).
 */
import { z } from 'zod';
import { unset } from './schema-parts.ts';

/**
 * An API key goes into an HTTP header: whitespace or a control character inside it (a pasted
 * line break) would only fail later, in an error that quotes the header with the key in it.
 */
export const ApiKeyText = z
  .string()
  .min(1)
  .refine(
    (key) => !/[\s\p{Cc}]/u.test(key),
    'holds whitespace or control characters (a line break?): expected the API key alone',
  );

/** Only HTTP(S): any other scheme (`ftp:`, `file:`, `javascript:`) is no API endpoint. */
export const HttpUrl = z.url({
  protocol: /^https?$/,
  error: 'not an http:// or https:// URL',
});

export const Connection = {
  api_key: unset(ApiKeyText).describe('OpenAI API key (or OPENAI_API_KEY).'),
  api_key_file: unset(z.string().min(1)).describe(
    'A file holding the API key (or OPENAI_API_KEY_FILE; a systemd credential or a Docker secret).',
  ),
  base_url: unset(HttpUrl).describe(
    'API base URL, for Azure or any compatible server (or OPENAI_BASE_URL).',
  ),
  organization_id: unset(z.string().min(1)).describe('OpenAI organization (or OPENAI_ORG_ID).'),
  project_id: unset(z.string().min(1)).describe('OpenAI project (or OPENAI_PROJECT_ID).'),
};

/** Anthropic Message Batches (docs/providers.md); the key and URL also from the environment. */
export const AnthropicConnection = z
  .strictObject({
    api_key: unset(ApiKeyText).describe('Anthropic API key (or ANTHROPIC_API_KEY).'),
    api_key_file: unset(z.string().min(1)).describe(
      'A file holding the Anthropic API key (or ANTHROPIC_API_KEY_FILE).',
    ),
    base_url: unset(HttpUrl).describe(
      'Anthropic API base URL, without /v1 (or ANTHROPIC_BASE_URL); https://api.anthropic.com when unset.',
    ),
  })
  .prefault({})
  .describe('provider "anthropic": how to reach the Message Batches API.');

export const Nested = z
  .strictObject({ ...Connection, model: unset(z.string().min(1)) })
  .describe("The original scripts' form; its keys are the same as the top-level ones.");
