/**
 * The helper thread started early (before the `process` command's modules load) loads the
 * default model's tokenizer before it is asked, and threadHelpers() takes that thread: counts
 * are the tokenizer's whichever encodings the conversion then says it needs, including when it
 * needs only another one (the preloaded tokenizer is dropped, not used).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { threadHelpers } from '../../src/convert/helper-thread-client.ts';
import {
  PRELOADED_ENCODING,
  startHelperThreadEarly,
  takeEarlyHelperThread,
} from '../../src/convert/helper-thread-start.ts';
import { createTokenCounter, type EncodingName } from '../../src/domain/token-counter.ts';
import { tempDir } from '../support/temp-dir.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

const texts = [
  'def f(x):\n    return x + 1\n',
  'Repository: repo_demo\n',
  'naïve クラス 😀 \ud800',
  '',
  ' '.repeat(300) + 'x',
];

async function expectedCounts(encoding: EncodingName): Promise<number[]> {
  const counter = await createTokenCounter(encoding);
  return texts.map((t) => counter.count(t));
}

for (const needed of [['o200k_base'], ['cl100k_base'], ['cl100k_base', 'o200k_base']] as const) {
  test(`an early helper thread counts exactly when the conversion needs ${needed.join(' and ')}`, async () => {
    startHelperThreadEarly();
    const helpers = threadHelpers();
    assert.equal(takeEarlyHelperThread(), undefined, 'threadHelpers() took the early thread');
    try {
      helpers.expect?.(needed);
      for (const encoding of needed) {
        assert.deepEqual(
          [...(await helpers.countTexts(encoding, texts))],
          await expectedCounts(encoding),
          encoding,
        );
        const counter = await createTokenCounter(encoding);
        assert.equal(await helpers.framingTokens(encoding, 2), counter.chatFramingTokens(2));
      }
    } finally {
      await helpers.close();
    }
  });
}

test('the preloaded encoding is the default model’s', async () => {
  const { encodingForModel } = await import('../../src/domain/token-counter.ts');
  const { parseConfig } = await import('../../src/config/load.ts');
  assert.equal(PRELOADED_ENCODING, encodingForModel(parseConfig({}, 'config.json').model));
});

test('without an early thread, threadHelpers() starts its own', async () => {
  assert.equal(takeEarlyHelperThread(), undefined);
  const helpers = threadHelpers();
  try {
    assert.deepEqual(
      [...(await helpers.countTexts('o200k_base', texts))],
      await expectedCounts('o200k_base'),
    );
  } finally {
    await helpers.close();
  }
});

test('`process` with nothing to convert closes the helper thread and exits 0, run after run', async (t) => {
  // The thread is still loading its tokenizer when such a run ends; awaiting its end while it
  // was unreferenced let the process exit 13 (an unsettled top-level await) without a word.
  const dataDir = await tempDir(t);
  await mkdir(join(dataDir, '2.reviewed_slices'), { recursive: true });
  for (let run = 1; run <= 8; run++) {
    const child = spawnSync(process.execPath, [CLI, 'process', '--data-dir', dataDir, '--quiet'], {
      cwd: dataDir,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    assert.equal(child.status, 0, `run ${run}: exit ${child.status}: ${child.stderr}`);
    assert.match(child.stdout, /^No reviewed-slice files \(\*\.jsonl\) in /, `run ${run}`);
  }
});
