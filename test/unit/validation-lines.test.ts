import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorsByLine } from '../../src/poll/validation-lines.ts';

const error = (code: string, line: number | null, param: string | null = null) => ({
  code,
  line,
  param,
  message: `${code} here`,
});

test('errorsByLine: the errors of each named line; undefined when any names no line', () => {
  assert.deepEqual(
    errorsByLine([
      error('mismatched_model', 3, 'body.model'),
      error('url_mismatch', 4),
      error('invalid_method', 3, 'method'),
    ]),
    new Map([
      [
        3,
        'mismatched_model (body.model): mismatched_model here; invalid_method (method): invalid_method here',
      ],
      [4, 'url_mismatch: url_mismatch here'],
    ]),
  );
  assert.equal(errorsByLine(null), undefined);
  assert.equal(errorsByLine([]), undefined);
  assert.equal(errorsByLine([error('url_mismatch', 2), error('too_many_tasks', null)]), undefined);
  assert.equal(errorsByLine([error('token_limit_exceeded', 1)]), undefined, "the submitter's");
});
