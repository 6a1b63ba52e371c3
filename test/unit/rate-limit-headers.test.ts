import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { classifyApiError, resetAfterMs } from '../../src/openai/api-failure.ts';

const rateLimited = (headers: Record<string, string>) =>
  OpenAI.APIError.generate(
    429,
    { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    undefined,
    new Headers(headers),
  );

test('x-ratelimit-reset-* durations as the rate-limits guide writes them', () => {
  assert.equal(resetAfterMs('1s'), 1000);
  assert.equal(resetAfterMs('6m0s'), 360_000);
  assert.equal(resetAfterMs('59m58s'), 3_598_000);
  assert.equal(resetAfterMs('1h0m0s'), 3_600_000);
  assert.equal(resetAfterMs('20ms'), 20);
  assert.equal(resetAfterMs('0.5s'), 500);
  assert.equal(resetAfterMs('soon'), undefined);
  assert.equal(resetAfterMs(''), undefined);
});

test('a 429 without retry-after waits as its x-ratelimit-reset headers say (the longer one)', () => {
  const f = classifyApiError(
    rateLimited({ 'x-ratelimit-reset-requests': '59m58s', 'x-ratelimit-reset-tokens': '6m0s' }),
  );
  assert.equal(f?.kind, 'rate_limited');
  assert.equal(f?.retryAfterMs, 3_598_000);
  const both = classifyApiError(
    rateLimited({ 'retry-after': '2', 'x-ratelimit-reset-requests': '59m58s' }),
  );
  assert.equal(both?.retryAfterMs, 2000, 'retry-after, when sent, is what counts');
  assert.equal(classifyApiError(rateLimited({}))?.retryAfterMs, undefined);
});
