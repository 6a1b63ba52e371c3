/**
 * Two pure readers of what the API sends: refusal-fate.ts (a response the model would not
 * give is final, with its reason) and error-text.ts (a failed call's message, short).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MESSAGE, shortErrorMessage } from '../../src/openai/error-text.ts';
import { refusalFate } from '../../src/poll/refusal-fate.ts';
import { isRefusedReason } from '../../src/domain/refusal-reason.ts';

const chat = (message: Record<string, unknown>, finish: string) => ({
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
});

test('chat: a refusal and a content filter stop are final, an answer or a length cut is not', () => {
  const refused = refusalFate(chat({ content: null, refusal: "I'm sorry, I can't." }, 'stop'));
  assert.equal(refused?.kind, 'final');
  assert.ok(isRefusedReason(refused.reason));
  assert.match(refused.reason, /declined: "I'm sorry, I can't\."/);
  for (const content of [null, '', '{"steps": [']) {
    const filtered = refusalFate(chat({ content, refusal: null }, 'content_filter'));
    assert.match(filtered?.reason ?? '', /^refused: the content filter stopped the answer/);
  }
  assert.equal(refusalFate(chat({ content: '{}', refusal: null }, 'stop')), undefined);
  assert.equal(refusalFate(chat({ content: '', refusal: null }, 'length')), undefined);
  assert.equal(refusalFate(chat({ content: '{}', refusal: '' }, 'stop')), undefined);
  const long = refusalFate(chat({ content: null, refusal: 'x'.repeat(5000) }, 'stop'));
  assert.ok(long!.reason.length < 300, 'the quote is cut');
});

test('responses: a refusal part and an incomplete content_filter are final; max_output_tokens is not', () => {
  const message = (content: unknown[]) => ({ type: 'message', role: 'assistant', content });
  const refused = refusalFate({
    object: 'response',
    status: 'completed',
    output: [{ type: 'reasoning', summary: [] }, message([{ type: 'refusal', refusal: 'No.' }])],
  });
  assert.match(refused?.reason ?? '', /^refused: the model declined: "No\."/);
  const filtered = refusalFate({
    object: 'response',
    status: 'incomplete',
    incomplete_details: { reason: 'content_filter' },
    output: [message([{ type: 'output_text', text: '{"a' }])],
  });
  assert.match(filtered?.reason ?? '', /content filter.*incomplete/);
  const cut = {
    object: 'response',
    status: 'incomplete',
    incomplete_details: { reason: 'max_output_tokens' },
    output: [],
  };
  assert.equal(refusalFate(cut), undefined);
  assert.equal(refusalFate(null), undefined);
  assert.equal(refusalFate('text'), undefined);
});

test("a proxy's HTML page becomes its title and size; other messages are cut, short ones kept", () => {
  const page = `<!DOCTYPE html>\n<html><head><title>api.openai.com | 502: Bad gateway</title></head><body>${'<div>x</div>'.repeat(500)}</body></html>`;
  const short = shortErrorMessage(`502 ${page}`, 'text/html; charset=UTF-8');
  assert.match(short, /^502 api\.openai\.com \| 502: Bad gateway \(an HTML page of \d+ bytes/);
  assert.doesNotMatch(short, /<|>/);
  const nginx =
    '<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>';
  assert.match(shortErrorMessage(`502 ${nginx}`), /^502 502 Bad Gateway \(an HTML page/);
  assert.equal(shortErrorMessage('400 Invalid request.'), '400 Invalid request.');
  const long = shortErrorMessage(`500 ${'y'.repeat(2000)}`);
  assert.ok(long.length <= MAX_MESSAGE + 30, `${long.length}`);
  assert.match(long, /… \(2004 characters\)$/);
});
