/**
 * The ids of the emulator's answers are unique, as the real API's are: a `chatcmpl-` id (and
 * the Responses ids made from it), a direct chat completion's, an Anthropic message's `msg_`
 * id differ between two runs of the same request (a retry, another emulator with the same
 * seed), while the answer itself stays the seed's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/emulator/clock.ts';
import { testAnthropic } from '../support/anthropic.ts';
import {
  downloadLines,
  requestLine,
  testEmulator,
  uploadRequests,
  type TestEmulator,
} from '../support/emulator.ts';
import { tempDir } from '../support/temp-dir.ts';

/** The output lines of one batch of `lines`, run to its end. */
async function runBatch(env: TestEmulator, dir: string, lines: string[], endpoint: string) {
  const file = await uploadRequests(env, dir, lines.length, { lines, name: 'in.jsonl' });
  const batch = await env.client.batches.create({
    input_file_id: file.id,
    endpoint: endpoint as '/v1/chat/completions',
    completion_window: '24h',
  });
  await env.advance(60_000);
  const ended = await env.client.batches.retrieve(batch.id);
  assert.equal(ended.status, 'completed');
  return downloadLines(env.client, ended.output_file_id);
}

/** A line with every id taken out: what the seed decides. */
const answerOf = (l: any): string =>
  JSON.stringify({
    ...l.response.body,
    id: undefined,
    output: l.response.body.output?.map((o: any) => ({ ...o, id: undefined })),
  });

test('the same request run twice, in one emulator and in two with the same seed, gets a new chatcmpl- id each time', async (t) => {
  const dir = await tempDir(t);
  const clockStart = new ManualClock().now();
  const lines = [requestLine('same_0'), requestLine('same_1')];
  const first = await testEmulator(t, { seed: 7, clockStart });
  const second = await testEmulator(t, { seed: 7, clockStart });
  const runs = [
    await runBatch(first, dir, lines, '/v1/chat/completions'),
    await runBatch(second, dir, lines, '/v1/chat/completions'),
  ];
  // The first emulator again: as a retry of the same requests would be.
  runs.push(await runBatch(first, dir, lines, '/v1/chat/completions'));
  const ids = runs.flatMap((r) => r.map((l) => l.response.body.id as string));
  for (const id of ids) assert.match(id, /^chatcmpl-[A-Za-z0-9]{20,}$/);
  assert.equal(new Set(ids).size, ids.length, `every completion id differs: ${ids.join(' ')}`);
  assert.deepEqual(runs[1]!.map(answerOf), runs[0]!.map(answerOf), 'the same answers by seed');
});

test('Responses answers get new ids too (resp_, msg_), with the same answer by seed', async (t) => {
  const dir = await tempDir(t);
  const clockStart = new ManualClock().now();
  const line = JSON.stringify({
    custom_id: 'resp_0',
    method: 'POST',
    url: '/v1/responses',
    body: { model: 'gpt-4o-mini', input: 'Explain the function of resp_0.' },
  });
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const env = await testEmulator(t, { seed: 7, clockStart });
    runs.push(await runBatch(env, dir, [line], '/v1/responses'));
  }
  const [a, b] = runs.map((r) => r[0]!.response.body);
  assert.match(a.id, /^resp_/);
  assert.notEqual(a.id, b.id);
  const msg = (body: any) => body.output.find((o: any) => o.type === 'message').id;
  assert.notEqual(msg(a), msg(b));
  assert.deepEqual(runs[1]!.map(answerOf), runs[0]!.map(answerOf));
});

test('a direct chat completion asked twice: the same answer, a new id', async (t) => {
  const env = await testEmulator(t, { seed: 3 });
  const ask = () =>
    env.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Explain the function of f.' }],
    });
  const [a, b] = [await ask(), await ask()];
  assert.notEqual(a.id, b.id);
  assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
});

test('Anthropic: the same request in two message batches gets a new msg_ id each time', async (t) => {
  const env = await testAnthropic(t, { seed: 5 });
  const headers = {
    'content-type': 'application/json',
    'x-api-key': 'k-test',
    'anthropic-version': '2023-06-01',
  };
  const request = {
    custom_id: 'r_0',
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    },
  };
  const messages: { id: string; content: unknown }[] = [];
  for (let b = 0; b < 2; b++) {
    const res = await fetch(`${env.emulator.url}/v1/messages/batches`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ requests: [request] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    await env.advance(60_000);
    const batch = (await (
      await fetch(`${env.emulator.url}/v1/messages/batches/${id}`, { headers })
    ).json()) as { results_url: string };
    const text = await (await fetch(batch.results_url, { headers })).text();
    const line = JSON.parse(text.trim()) as { result: { message: (typeof messages)[0] } };
    messages.push(line.result.message);
  }
  assert.match(messages[0]!.id, /^msg_/);
  assert.notEqual(messages[0]!.id, messages[1]!.id);
  assert.deepEqual(messages[0]!.content, messages[1]!.content, 'the same answer');
});
