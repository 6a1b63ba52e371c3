/* global process */
// Preloaded into benchmarked child processes (node --import): on exit, writes the process's
// peak resident memory (all threads) and CPU time to the file named by BENCH_USAGE_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKb: u.maxRSS,
        userMs: u.userCPUTime / 1000,
        systemMs: u.systemCPUTime / 1000,
      }),
    );
  });
}
