/**
 * Step 4 benchmark: `slicebatch compile` (the built CLI, a child process) over 1,000,000
 * results: records per second and peak RSS, and the same over a quarter of the data set
 * (one repo folder of the four) to show how memory grows with the records.
 *
 * The data set is generated straight into a data folder (not through the emulator), as the
 * pipeline leaves it: reviewed slices (the slice generator), batch input files of at most
 * 50,000 requests with their manifests, finished job files, results files whose answers follow
 * the scenario answer schemas (as the emulator writes them), the submission journal and the
 * ledger. The requests' bodies are cut short: the compiler does not read the requests of
 * finished batches. It is kept in bench/.corpus/compile-<n>/ (git-ignored) and reused.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { answerJsonSchema, type Scenario } from '../src/domain/answer-schemas.ts';
import { valueFromSchema } from '../src/emulator/json-from-schema.ts';
import type { JobRecord } from '../src/jobs/job-record.ts';
import type { LedgerRecord } from '../src/domain/ledger.ts';
import { listFiles } from '../src/storage/list-files.ts';
import type { SubmissionRecord } from '../src/jobs/submission-state.ts';
import { createSliceGenerator } from '../test/support/slice-generator.ts';
import { cliNodeFlags, runChild } from './child.ts';

const GENERATOR_VERSION = 1;
const PER_FILE = 50_000;
const TS = '20261125_120000';

export interface CompileCorpus {
  readonly dir: string;
  /** A data folder holding the first repo folder only (links into `dir`). */
  readonly quarterDir: string;
  readonly results: number;
  readonly quarterResults: number;
  readonly bytes: number;
}

/** A write stream fed in 1 MB pieces. */
function writer(path: string) {
  const out: WriteStream = createWriteStream(path);
  let buf = '';
  let bytes = 0;
  return {
    async write(text: string): Promise<void> {
      buf += text;
      if (buf.length >= 1 << 20) {
        bytes += Buffer.byteLength(buf);
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    },
    async close(): Promise<number> {
      bytes += Buffer.byteLength(buf);
      out.end(buf);
      await once(out, 'close');
      return bytes;
    },
  };
}

function completion(customId: string, content: string, n: number) {
  return {
    id: `chatcmpl-bench${n}`,
    object: 'chat.completion',
    created: 1_795_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 900,
      completion_tokens: 400,
      total_tokens: 1300,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: `fp_${customId.length}`,
  };
}

function jobRecord(
  repo: string,
  batchId: string,
  batchFile: string,
  scenario: Scenario,
  requests: number,
  sha256: string,
  resultsPath: string,
): JobRecord {
  return {
    batch_file: batchFile,
    file_id: `file-${batchId}`,
    batch_id: batchId,
    status: 'completed',
    created_at: '2026-11-25T12:00:00.000',
    completion_window: '24h',
    repo,
    input_sha256: sha256,
    scenario,
    model: 'gpt-4o-mini',
    requests,
    prompt_tokens: requests * 900,
    max_completion_tokens: requests * 2000,
    attempt: 1,
    request_attempt: 1,
    submitted_at: '2026-11-25T12:00:00.000Z',
    updated_at: '2026-11-25T13:00:00.000Z',
    request_counts: { total: requests, completed: requests, failed: 0 },
    output_file_id: `file-out-${batchId}`,
    error_file_id: null,
    results_path: resultsPath,
    errors_path: null,
    errors: null,
    usage: {
      input_tokens: requests * 900,
      output_tokens: requests * 400,
      total_tokens: requests * 1300,
    },
    timestamps: {
      created_at: 1_795_000_000,
      in_progress_at: 1_795_000_010,
      expires_at: 1_795_086_400,
      finalizing_at: 1_795_003_000,
      completed_at: 1_795_003_600,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
    },
    estimated_cost_usd: null,
    cost_usd: null,
    done: true,
    outcome: { usable: requests, retry: 0, final: 0 },
    retry_file: null,
    download_error: null,
    cancelled_by_us: false,
  };
}

/** One batch (input file, manifest, job, results, journal and ledger records) being written. */
function openBatch(dir: string, repo: string, scenario: Scenario, n: number) {
  const name = `${scenario}_batch_input_${TS}${n > 0 ? `_${n}` : ''}.jsonl`;
  const batchId = `batch_bench_${repo}_${scenario}_${n}`;
  const inputRel = `3.batch_input/${repo}/${name}`;
  const resultsRel = `4.batch_output/${repo}/batch_results_${batchId}.jsonl`;
  const input = writer(join(dir, inputRel));
  const results = writer(join(dir, resultsRel));
  const hash = createHash('sha256');
  let requests = 0;
  return {
    requests: () => requests,
    async add(customId: string, content: string, ledger: (r: LedgerRecord) => Promise<void>) {
      const request = `${JSON.stringify({
        custom_id: customId,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'A request of the benchmark (not read).' }],
        },
      })}\n`;
      hash.update(request);
      await input.write(request);
      await results.write(
        `${JSON.stringify({
          id: `batch_req_${requests}`,
          custom_id: customId,
          response: {
            status_code: 200,
            request_id: `req_${requests}`,
            body: completion(customId, content, requests),
          },
          error: null,
        })}\n`,
      );
      await ledger({
        t: 'fate',
        repo,
        custom_id: customId,
        attempt: 1,
        batch_id: batchId,
        fate: 'usable',
        results: resultsRel,
        at: 1_795_003_700_000 + requests,
      });
      requests++;
    },
    async close(journal: (r: SubmissionRecord) => Promise<void>): Promise<number> {
      const bytes = (await input.close()) + (await results.close());
      const sha256 = hash.digest('hex');
      await writeFile(
        join(dir, `3.batch_input/${repo}/${name.replace(/\.jsonl$/, '.manifest.json')}`),
        JSON.stringify({
          version: 1,
          file: name,
          scenario,
          model: 'gpt-4o-mini',
          requests,
          bytes,
          prompt_tokens: requests * 900,
          max_completion_tokens: requests * 2000,
          sha256,
          created_at: '2026-11-25T12:00:00.000Z',
          sources: [`2.reviewed_slices/${repo}/code_slices.jsonl`],
          attempt: 1,
        }),
      );
      await writeFile(
        join(dir, `4.batch_output/${repo}/batch_job_${batchId}.json`),
        JSON.stringify(
          jobRecord(repo, batchId, inputRel, scenario, requests, sha256, resultsRel),
          null,
          2,
        ),
      );
      const at = 1_795_000_000_000;
      const fileId = `file-${batchId}`;
      await journal({ t: 'upload_intent', sha256, file: inputRel, attempt: 1, at });
      await journal({ t: 'uploaded', sha256, file: inputRel, file_id: fileId, at });
      await journal({
        t: 'create_intent',
        sha256,
        file: inputRel,
        file_id: fileId,
        attempt: 1,
        at,
      });
      await journal({
        t: 'created',
        sha256,
        file: inputRel,
        file_id: fileId,
        batch_id: batchId,
        attempt: 1,
        at,
      });
      return bytes;
    },
  };
}

export async function ensureCompileCorpus(
  root: string,
  results = 1_000_000,
  repos = 4,
): Promise<CompileCorpus> {
  const dir = join(root, `compile-${results}`);
  const quarterDir = join(root, `compile-${results}-first-repo`);
  const stamp = join(dir, 'corpus.json');
  try {
    const info = JSON.parse(await readFile(stamp, 'utf8')) as CompileCorpus & { version: number };
    if (info.version === GENERATOR_VERSION) {
      return { ...info, dir, quarterDir: await linkFirstRepo(dir, quarterDir) };
    }
  } catch {
    // generate below
  }
  await rm(dir, { recursive: true, force: true });
  await rm(quarterDir, { recursive: true, force: true });
  await mkdir(join(dir, '.slicebatch'), { recursive: true });
  const schemas = {
    scenario1: answerJsonSchema('scenario1'),
    scenario2: answerJsonSchema('scenario2'),
  };
  const ledger = writer(join(dir, '.slicebatch', 'ledger.jsonl'));
  const journal = writer(join(dir, '.slicebatch', 'submissions.jsonl'));
  const toLedger = (r: LedgerRecord) => ledger.write(`${JSON.stringify(r)}\n`);
  const toJournal = (r: SubmissionRecord) => journal.write(`${JSON.stringify(r)}\n`);
  let bytes = 0;
  let quarterResults = 0;
  const perRepo = Math.ceil(results / repos);
  for (let r = 0; r < repos; r++) {
    const repo = `repo_bench_${r}`;
    for (const stage of ['2.reviewed_slices', '3.batch_input', '4.batch_output']) {
      await mkdir(join(dir, stage, repo), { recursive: true });
    }
    const slices = writer(join(dir, '2.reviewed_slices', repo, 'code_slices.jsonl'));
    const gen = createSliceGenerator({ seed: 4000 + r, repository: repo });
    const open: Partial<Record<Scenario, ReturnType<typeof openBatch>>> = {};
    const counts = { scenario1: 0, scenario2: 0 };
    const count = Math.min(perRepo, results - r * perRepo);
    for (let i = 0; i < count; i++) {
      const slice = gen.next();
      await slices.write(`${JSON.stringify(slice)}\n`);
      const scenario: Scenario = slice.type === 'function' ? 'scenario1' : 'scenario2';
      let batch = open[scenario];
      if (batch === undefined || batch.requests() >= PER_FILE) {
        if (batch !== undefined) bytes += await batch.close(toJournal);
        batch = open[scenario] = openBatch(dir, repo, scenario, counts[scenario]++);
      }
      const content = JSON.stringify(valueFromSchema(schemas[scenario], i * 7919 + r));
      await batch.add(`${scenario}_${slice.id}`, content, toLedger);
    }
    for (const batch of Object.values(open)) bytes += await batch.close(toJournal);
    bytes += await slices.close();
    if (r === 0) quarterResults = count;
  }
  bytes += (await ledger.close()) + (await journal.close());
  const info = { version: GENERATOR_VERSION, results, quarterResults, bytes };
  await writeFile(stamp, JSON.stringify(info));
  return { ...info, dir, quarterDir: await linkFirstRepo(dir, quarterDir) };
}

/**
 * A data folder with the first repo folder only: hard links into the full one (the inbox walk
 * does not follow a symbolic link that leads out of the inbox).
 */
async function linkFirstRepo(dir: string, quarterDir: string): Promise<string> {
  await rm(quarterDir, { recursive: true, force: true });
  for (const stage of ['2.reviewed_slices', '3.batch_input', '4.batch_output']) {
    const from = join(dir, stage, 'repo_bench_0');
    for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const rel = relative(from, join(entry.parentPath, entry.name));
      const to = join(quarterDir, stage, 'repo_bench_0', rel);
      await mkdir(dirname(to), { recursive: true });
      await link(join(from, rel), to);
    }
  }
  await mkdir(join(quarterDir, '.slicebatch'), { recursive: true });
  for (const f of ['ledger.jsonl', 'submissions.jsonl']) {
    await symlink(join(dir, '.slicebatch', f), join(quarterDir, '.slicebatch', f));
  }
  return quarterDir;
}

export interface CompileRun {
  readonly results: number;
  readonly seconds: number;
  readonly recordsPerS: number;
  readonly maxRssMb: number;
  readonly cpuSeconds: number;
  readonly outputMb: number;
  /** Of which the Parquet files. */
  readonly parquetMb: number;
}

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function compileOnce(cli: string, dataDir: string, results: number, parquet: boolean) {
  const out = await mkdtemp(join(tmpdir(), 'bench-compile-'));
  const config = `${out}.config.json`;
  try {
    await writeFile(config, JSON.stringify({ compile: { parquet } }));
    // Node flags of the executable's shebang: the CLI runs as users run it.
    const nodeFlags = await cliNodeFlags(cli);
    const run = await runChild(
      [
        ...nodeFlags,
        cli,
        'compile',
        '--config',
        config,
        '--data-dir',
        dataDir,
        '--output-dir',
        out,
      ],
      { env: { LOG_LEVEL: 'warn' } },
    );
    const m = /^Compiled ([\d,]+) records/.exec(run.stdout);
    const records = Number((m?.[1] ?? '').replace(/,/g, ''));
    if (records !== results)
      throw new Error(`compiled ${records} records, expected ${results}:\n${run.stdout}`);
    // Each file once: the Hugging Face folder's JSONL files are links to the split files.
    let bytes = 0;
    let parquetBytes = 0;
    for (const f of await listFiles(out)) {
      if (f.rel.endsWith('.parquet')) parquetBytes += f.size;
      else if (!/^hf_dataset_[^/]+\/data\/.*\.jsonl$/.test(f.rel)) bytes += f.size;
    }
    if (parquet && parquetBytes === 0) throw new Error('no Parquet file written');
    return { ...run, outputMb: (bytes + parquetBytes) / 1e6, parquetMb: parquetBytes / 1e6 };
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(config, { force: true });
  }
}

/** Medians of `runs` compilations (peak RSS: the highest), of the whole set and of a quarter. */
export async function benchCompile(
  root: string,
  corpus: CompileCorpus,
  runs: number,
  parquet = false,
): Promise<{ full: CompileRun; quarter: CompileRun }> {
  const cli = join(root, 'dist', 'cli', 'main.js');
  const measure = async (dataDir: string, results: number): Promise<CompileRun> => {
    const all = [];
    for (let i = 0; i < runs; i++) all.push(await compileOnce(cli, dataDir, results, parquet));
    const seconds = median(all.map((r) => r.seconds));
    return {
      results,
      seconds,
      recordsPerS: results / seconds,
      maxRssMb: Math.max(...all.map((r) => r.maxRssMb)),
      cpuSeconds: median(all.map((r) => r.cpuSeconds)),
      outputMb: all[0]!.outputMb,
      parquetMb: all[0]!.parquetMb,
    };
  };
  return {
    quarter: await measure(corpus.quarterDir, corpus.quarterResults),
    full: await measure(corpus.dir, corpus.results),
  };
}
