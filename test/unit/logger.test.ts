import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, scrubSecrets } from '../../src/log/logger.ts';

async function logLines(
  secrets: string[],
  fn: (log: Awaited<ReturnType<typeof createLogger>>) => void,
) {
  const lines: string[] = [];
  const log = await createLogger({ secrets, stream: { write: (l: string) => lines.push(l) } });
  fn(log);
  return lines.join('');
}

test('the API key never reaches a log line, wherever it hides', async () => {
  const key = 'sk-proj-ABCdef0123456789xyz';
  const other = 'my-custom-gateway-token-42';
  const out = await logLines([key, other], (log) => {
    log.info({ api_key: key }, 'field');
    log.info({ config: { api_key: key, openai: { api_key: key } } }, 'nested');
    log.info({ headers: { authorization: `Bearer ${key}` } }, 'header');
    log.info(`message with ${key} and ${other} inside`);
    log.error({ err: new Error(`request failed for key ${other}`) }, 'error');
    log.info({ url: `https://x.example/?key=${key}` }, 'url');
  });
  assert.ok(!out.includes(key), out);
  assert.ok(!out.includes(other), out);
  assert.ok(!out.includes('ABCdef0123'), out);
  assert.equal(out.split('[redacted]').length - 1 >= 8, true, out);
});

test('anything shaped like an OpenAI key is scrubbed even when not configured', () => {
  assert.equal(scrubSecrets('key sk-abcdefghijklmnop end', []), 'key [redacted] end');
  assert.equal(scrubSecrets('nothing here', ['']), 'nothing here');
});
