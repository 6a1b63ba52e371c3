/**
 * A one-line progress bar for a terminal (stderr), redrawn at most every 100 ms. Does nothing
 * when the stream is not a terminal, so logs and pipes stay clean.
 */
export interface ProgressBar {
  update(done: number, total: number, extra?: string): void;
  finish(): void;
}

export function createProgressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  label: string,
  now: () => number = () => performance.now(),
): ProgressBar {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const started = now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, extra = '') {
      const t = now();
      if (t - last < 100 && done < total) return;
      last = t;
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const width = 24;
      const filled = Math.round(ratio * width);
      const mbps = done / 1e6 / Math.max((t - started) / 1000, 1e-3);
      const text =
        `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ` +
        `${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB ${mbps.toFixed(0)} MB/s ${extra}`;
      stream.write(`\r${text.slice(0, (stream.columns ?? 100) - 1)}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
