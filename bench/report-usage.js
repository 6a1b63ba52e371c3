/* global process */
// Preloaded into benchmarked child processes (node --import): on exit, writes the process's
// peak resident memory (all threads) and CPU time to the file named by BENCH_USAGE_FILE.
//
// The peak is VmHWM from /proc/self/status where there is one: getrusage's maxrss survives
// exec, so a child spawned from a large parent would report the parent's size.
import { readFileSync, writeFileSync } from 'node:fs';

function peakRssKb() {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKb: peakRssKb(),
        userMs: u.userCPUTime / 1000,
        systemMs: u.systemCPUTime / 1000,
      }),
    );
  });
}
