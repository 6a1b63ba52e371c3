/** Child process of the benchmark: the poller's verified download of one file. */
import { createOpenAIBatchApi } from '../src/openai/batch-api.ts';
import { downloadVerified } from '../src/poll/result-download.ts';

const [baseURL, fileId, path, linesArg] = process.argv.slice(2);
const lines = Number(linesArg);
const sent = new Set(Array.from({ length: lines }, (_, i) => `r_${i}`));
const api = createOpenAIBatchApi({ apiKey: 'bench', baseURL: baseURL!, maxRetries: 0 });
const started = performance.now();
const got = await downloadVerified({
  api,
  fileId: fileId!,
  path: path!,
  expectedLines: lines,
  sent,
});
process.stdout.write(
  `${JSON.stringify({ lines: got, seconds: (performance.now() - started) / 1000 })}\n`,
);
