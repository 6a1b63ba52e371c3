import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertValid,
  relaxSchema,
  schemaErrors,
  SCHEMA_NAMES,
  validatorFor,
} from '../support/openapi-schemas.ts';

const batch = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'batch_abc',
  object: 'batch',
  endpoint: '/v1/chat/completions',
  model: 'gpt-4o-mini',
  errors: null,
  input_file_id: 'file-abc',
  completion_window: '24h',
  status: 'completed',
  output_file_id: 'file-out',
  error_file_id: null,
  created_at: 1_764_072_000,
  in_progress_at: 1_764_072_001,
  expires_at: 1_764_158_400,
  finalizing_at: 1_764_072_002,
  completed_at: 1_764_072_003,
  failed_at: null,
  expired_at: null,
  cancelling_at: null,
  cancelled_at: null,
  request_counts: { total: 2, completed: 2, failed: 0 },
  metadata: { job: 'x' },
  usage: {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 15,
  },
  ...overrides,
});

const without = (value: Record<string, unknown>, key: string): Record<string, unknown> => {
  const copy = { ...value };
  delete copy[key];
  return copy;
};

test('every schema the conformance suite uses compiles', () => {
  for (const name of SCHEMA_NAMES) assert.equal(typeof validatorFor(name), 'function', name);
});

test('Batch: a well-formed batch passes, a bogus status or a missing required field fails', () => {
  assert.equal(schemaErrors('Batch', batch()), null);
  assert.match(schemaErrors('Batch', batch({ status: 'bogus' })) ?? '', /\/status/);
  assert.match(schemaErrors('Batch', without(batch(), 'created_at')) ?? '', /required.*created_at/);
  assert.notEqual(schemaErrors('Batch', batch({ object: 'file' })), null);
  assert.notEqual(schemaErrors('Batch', batch({ created_at: '1764072000' })), null);
});

test('Batch: null is accepted for non-required fields, and only for them', () => {
  const nulls = Object.fromEntries(
    [
      'model',
      'errors',
      'output_file_id',
      'in_progress_at',
      'expires_at',
      'completed_at',
      'request_counts',
      'usage',
      'metadata',
    ].map((k) => [k, null]),
  );
  assert.equal(schemaErrors('Batch', batch(nulls)), null);
  for (const required of ['id', 'status', 'created_at', 'input_file_id']) {
    assert.notEqual(schemaErrors('Batch', batch({ [required]: null })), null, required);
  }
  // Nested: `usage` lists its fields as required, so they may not be null.
  const usage = { ...(batch().usage as Record<string, unknown>), input_tokens: null };
  assert.match(schemaErrors('Batch', batch({ usage })) ?? '', /\/usage\/input_tokens/);
  // Nested through $ref: BatchRequestCounts requires its three counts.
  assert.notEqual(
    schemaErrors('Batch', batch({ request_counts: { total: 1, completed: 1 } })),
    null,
  );
  // BatchError lists nothing as required: null code accepted, a numeric code is not.
  const errors = (data: unknown[]) => batch({ status: 'failed', errors: { object: 'list', data } });
  assert.equal(
    schemaErrors('Batch', errors([{ code: null, message: 'm', param: null, line: 3 }])),
    null,
  );
  assert.notEqual(
    schemaErrors('Batch', errors([{ code: 7, message: 'm', param: null, line: 3 }])),
    null,
  );
  // Metadata values are strings, never null.
  assert.notEqual(schemaErrors('Batch', batch({ metadata: { a: null } })), null);
});

test('ErrorResponse: error.type, message, param and code are required; param and code may be null', () => {
  const error = {
    message: 'No such batch',
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
  assert.equal(schemaErrors('ErrorResponse', { error }), null);
  assert.match(
    schemaErrors('ErrorResponse', { error: without(error, 'type') }) ?? '',
    /required.*type/,
  );
  assert.notEqual(schemaErrors('ErrorResponse', { error: without(error, 'code') }), null);
  assert.notEqual(schemaErrors('ErrorResponse', { error: { ...error, type: null } }), null);
  assert.notEqual(schemaErrors('ErrorResponse', {}), null);
});

test('OpenAIFile and list/delete answers', () => {
  const file = {
    id: 'file-abc',
    object: 'file',
    bytes: 12,
    created_at: 1_764_072_000,
    expires_at: null,
    filename: 'in.jsonl',
    purpose: 'batch',
    status: 'processed',
    status_details: null,
  };
  assert.equal(schemaErrors('OpenAIFile', file), null);
  assert.notEqual(schemaErrors('OpenAIFile', { ...file, purpose: 'bogus' }), null);
  assert.notEqual(schemaErrors('OpenAIFile', { ...file, bytes: null }), null);
  assert.notEqual(schemaErrors('OpenAIFile', without(file, 'filename')), null);
  const list = { object: 'list', data: [file], first_id: 'file-abc', last_id: 'file-abc' };
  assert.equal(schemaErrors('ListFilesResponse', { ...list, has_more: false }), null);
  assert.notEqual(schemaErrors('ListFilesResponse', list), null, 'has_more is required');
  // ListFilesResponse requires first_id and last_id: null is not accepted for them.
  assert.notEqual(
    schemaErrors('ListFilesResponse', { ...list, has_more: false, first_id: null }),
    null,
  );
  // ListBatchesResponse does not require them.
  assert.equal(
    schemaErrors('ListBatchesResponse', {
      object: 'list',
      data: [],
      first_id: null,
      last_id: null,
      has_more: false,
    }),
    null,
  );
  assert.notEqual(
    schemaErrors('ListBatchesResponse', {
      object: 'list',
      data: [batch({ status: 'x' })],
      has_more: false,
    }),
    null,
    'list items are validated',
  );
  assert.equal(
    schemaErrors('DeleteFileResponse', { id: 'file-abc', object: 'file', deleted: true }),
    null,
  );
  assert.notEqual(
    schemaErrors('DeleteFileResponse', { id: 'file-abc', object: 'file', deleted: 'yes' }),
    null,
  );
});

test('BatchRequestOutput: response and error are nullable (OpenAPI nullable: true)', () => {
  const ok = {
    id: 'batch_req_1',
    custom_id: 'a',
    response: { status_code: 200, request_id: 'req_1', body: { object: 'chat.completion' } },
    error: null,
  };
  assert.equal(schemaErrors('BatchRequestOutput', ok), null);
  assert.equal(
    schemaErrors('BatchRequestOutput', {
      ...ok,
      response: null,
      error: { code: 'batch_expired', message: 'm' },
    }),
    null,
  );
  assert.notEqual(
    schemaErrors('BatchRequestOutput', { ...ok, response: { ...ok.response, status_code: '200' } }),
    null,
  );
  assert.notEqual(
    schemaErrors('BatchRequestOutput', { ...ok, response: { ...ok.response, body: 'text' } }),
    null,
  );
  assert.notEqual(schemaErrors('BatchRequestOutput', { ...ok, error: 'boom' }), null);
  assert.notEqual(
    schemaErrors('BatchRequestInput', { custom_id: 'a', method: 'GET', url: '/v1/x' }),
    null,
  );
  assert.equal(
    schemaErrors('BatchRequestInput', {
      custom_id: 'a',
      method: 'POST',
      url: '/v1/chat/completions',
    }),
    null,
  );
});

test('assertValid fails with ajv’s error text and the value’s JSON', () => {
  assert.doesNotThrow(() => assertValid('Batch', batch()));
  assert.throws(
    () => assertValid('Batch', batch({ status: 'bogus' }), 'retrieve'),
    (err: unknown) => {
      assert.ok(err instanceof assert.AssertionError);
      assert.match(err.message, /^retrieve: not a valid Batch: /);
      assert.match(err.message, /\/status must be equal to one of the allowed values/);
      assert.match(err.message, /"status": "bogus"/);
      return true;
    },
  );
});

test('relaxSchema: wraps non-required properties, honours nullable, drops extensions, is pure', () => {
  const input = {
    type: 'object',
    properties: {
      a: { type: 'string', 'x-stainless-const': true },
      b: { type: 'object', nullable: true, properties: { c: { type: 'integer' } }, required: [] },
    },
    required: ['a', 'b'],
  };
  const before = JSON.stringify(input);
  assert.deepEqual(relaxSchema(input), {
    type: 'object',
    properties: {
      a: { type: 'string' },
      b: {
        anyOf: [
          {
            type: 'object',
            properties: { c: { anyOf: [{ type: 'integer' }, { type: 'null' }] } },
            required: [],
          },
          { type: 'null' },
        ],
      },
    },
    required: ['a', 'b'],
  });
  assert.equal(JSON.stringify(input), before);
});
