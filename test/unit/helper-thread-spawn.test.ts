import assert from 'node:assert/strict';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { threadHelpers } from '../../src/convert/helper-thread-client.ts';
import { spawnHelperThread } from '../../src/convert/helper-thread-spawn.ts';
import { prng } from '../support/slice-generator.ts';

const CODE = [
  'def parse(self, text: str) -> dict:\n    """Parse the text."""\n    return json.loads(text)\n',
  '    for i in range(10):\n\t\tprint(f"{i!r}")  # café 数据 🎉\r\n',
  "class Café:\n    def __init__(self):\n        self.x = 'll' + \"ve\" + '<|endoftext|>'\n",
];

function randomText(rnd: () => number, n: number): string {
  const alphabet = ' \n\t\r_aZ9(){}.:\'"é数🎉\u00a0/';
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = alphabet[Math.floor(rnd() * alphabet.length)]!;
    s += rnd() < 0.5 ? c : c.repeat(1 + Math.floor(rnd() * 4));
  }
  return s;
}

test('a helper thread started early and told to preload counts as the tokenizer does', async (t) => {
  const worker = spawnHelperThread();
  const helpers = threadHelpers(worker);
  t.after(() => helpers.close());
  helpers.preload('o200k_base');
  helpers.preload('cl100k_base');
  const rnd = prng(15);
  const texts = [...CODE, ...Array.from({ length: 40 }, () => randomText(rnd, 300))];
  const [a, b] = await Promise.all([
    helpers.countTexts('o200k_base', texts),
    helpers.countTexts('cl100k_base', texts),
  ]);
  assert.deepEqual(
    [...a],
    texts.map((x) => o200k.encode(x, { disallowedSpecial: new Set() }).length),
  );
  assert.deepEqual(
    [...b],
    texts.map((x) => cl100k.encode(x, { disallowedSpecial: new Set() }).length),
  );
});

test('a helper thread that stopped before its client listened fails the first request', async () => {
  const worker = spawnHelperThread();
  await worker.terminate();
  const helpers = threadHelpers(worker);
  await assert.rejects(helpers.countTexts('o200k_base', ['x = 1']), /helper thread stopped/);
  await helpers.close();
});
