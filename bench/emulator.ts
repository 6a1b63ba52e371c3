/**
 * Emulator benchmark: `slicebatch emulator` (built CLI) as a child process; a 200 MB batch input
 * file uploaded by stream through the SDK, run, and its results downloaded by stream; the
 * emulator's peak RSS measured from its process.
 */
import type { ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI from 'openai';
import { NO_DELAYS, spawnEmulatorProcess } from '../test/support/emulator-process.ts';

export interface EmulatorBench {
  readonly fileMb: number;
  readonly requests: number;
  readonly uploadMbPerS: number;
  readonly runSeconds: number;
  readonly resultsMb: number;
  readonly downloadMbPerS: number;
  readonly emulatorPeakRssMb: number;
}

export async function benchEmulator(root: string, sizeMb = 200): Promise<EmulatorBench> {
  const work = await mkdtemp(join(tmpdir(), 'bench-emulator-'));
  const usageFile = join(work, 'usage.json');
  const cli = join(root, 'dist', 'cli', 'main.js');
  let child: ChildProcess | undefined;
  try {
    const emulator = await spawnEmulatorProcess({
      cli,
      nodeArgs: ['--import', new URL('./report-usage.js', import.meta.url).href],
      args: NO_DELAYS,
      env: { BENCH_USAGE_FILE: usageFile },
    });
    child = emulator.child;
    const url = emulator.url;
    const client = new OpenAI({ baseURL: url, apiKey: 'bench', maxRetries: 0 });
    // 200 MB in 50,000 requests (the per-file limits of the real API).
    const path = join(work, 'input.jsonl');
    const requests = 50_000;
    const perLine = Math.floor((sizeMb * 1000 * 1000) / requests);
    const out = createWriteStream(path);
    for (let i = 0; i < requests; i++) {
      const head = `{"custom_id":"bench_${i}","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"`;
      const tail = '"}]}}\n';
      const filler = 'x = compute(x) + 1; '.repeat(
        Math.max(0, Math.floor((perLine - head.length - tail.length) / 20)),
      );
      if (!out.write(head + filler + tail)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const bytes = (await stat(path)).size;

    let t0 = performance.now();
    const file = await client.files.create({ file: createReadStream(path), purpose: 'batch' });
    const uploadS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    let batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    while (batch.status !== 'completed' && batch.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 100));
      batch = await client.batches.retrieve(batch.id);
    }
    const runS = (performance.now() - t0) / 1000;
    if (batch.status !== 'completed') throw new Error(`bench batch ${batch.status}`);
    t0 = performance.now();
    const res = await client.files.content(batch.output_file_id!);
    const target = join(work, 'results.jsonl');
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      createWriteStream(target),
    );
    const downloadS = (performance.now() - t0) / 1000;
    const resultBytes = (await stat(target)).size;

    child.kill('SIGTERM');
    await once(child, 'exit');
    const usage = JSON.parse(await readFile(usageFile, 'utf8')) as { maxRssKb: number };
    return {
      fileMb: bytes / 1e6,
      requests,
      uploadMbPerS: bytes / 1e6 / uploadS,
      runSeconds: runS,
      resultsMb: resultBytes / 1e6,
      downloadMbPerS: resultBytes / 1e6 / downloadS,
      emulatorPeakRssMb: usage.maxRssKb / 1024,
    };
  } finally {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  }
}
