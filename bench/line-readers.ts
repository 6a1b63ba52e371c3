/**
 * The two line readers side by side (src/storage/jsonl-lines.ts, a text reader; and
 * src/storage/byte-lines.ts, a byte scanner), on a generated batch results file: what
 * compile's result index needs of each line (its custom_id and status code, at its offset),
 * had through either reader, and every line decoded to text through either. Best of `--runs`.
 *
 *   node bench/line-readers.ts [--mb 200] [--runs 3] [--json]
 *
 * Also a section of `npm run bench` (`--only line-readers`, bench/script-benches.ts).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { peekResultLine, scanResultLines } from '../src/compile/result-lines.ts';
import { scanByteLines } from '../src/storage/byte-lines.ts';
import { readLineBatches } from '../src/storage/jsonl-lines.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
    /** One JSON line of the figures instead of text (npm run bench reads it). */
    json: { type: 'boolean', default: false },
  },
});
const targetBytes = Number(values.mb) * 1e6;
const runs = Number(values.runs);

const work = await mkdtemp(join(tmpdir(), 'bench-line-readers-'));
try {
  const path = join(work, 'batch_results.jsonl');
  const out = createWriteStream(path);
  let written = 0;
  let lines = 0;
  const content = JSON.stringify({ question: 'q '.repeat(300), answer: 'a '.repeat(500) });
  while (written < targetBytes) {
    const line = `${JSON.stringify({ id: `batch_req_${lines}`, custom_id: `scenario1_repo_${lines}_func`, response: { status_code: 200, request_id: `r${lines}`, body: { id: `c${lines}`, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] } }, error: null })}\n`;
    if (!out.write(line)) await once(out, 'drain');
    written += Buffer.byteLength(line);
    lines++;
  }
  out.end();
  await once(out, 'close');
  const mb = (await stat(path)).size / 1e6;

  const cases: [string, () => Promise<number>][] = [
    [
      'ids and status: byte scanner (compile today)',
      async () => {
        let n = 0;
        for await (const batch of scanResultLines(path)) n += batch.length;
        return n;
      },
    ],
    [
      'ids and status: text reader, each line decoded then peeked',
      async () => {
        let n = 0;
        for await (const batch of readLineBatches(path)) {
          for (const l of batch) {
            if (l.kind !== 'text') continue;
            const b = Buffer.from(l.text);
            if (peekResultLine(b, 0, b.length).customId !== undefined) n++;
          }
        }
        return n;
      },
    ],
    [
      'every line as text: text reader',
      async () => {
        let n = 0;
        for await (const batch of readLineBatches(path)) n += batch.length;
        return n;
      },
    ],
    [
      'every line as text: byte scanner',
      async () => {
        let n = 0;
        for await (const batch of scanByteLines(path, (buf, s, e) => buf.toString('utf8', s, e)))
          n += batch.length;
        return n;
      },
    ],
  ];
  if (!values.json) {
    console.log(`${lines.toLocaleString('en-US')} lines, ${mb.toFixed(0)} MB; best of ${runs}`);
  }
  const figures: { name: string; seconds: number; mbPerS: number }[] = [];
  for (const [name, run] of cases) {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const n = await run();
      if (n !== lines) throw new Error(`${name}: ${n} lines of ${lines}`);
      best = Math.min(best, performance.now() - started);
    }
    figures.push({ name, seconds: best / 1000, mbPerS: mb / (best / 1000) });
    if (!values.json) {
      console.log(
        `${name}: ${(best / 1000).toFixed(2)} s, ${(mb / (best / 1000)).toFixed(0)} MB/s`,
      );
    }
  }
  if (values.json) console.log(JSON.stringify({ lines, mb, runs, cases: figures }));
} finally {
  await rm(work, { recursive: true, force: true });
}
