/** Small formatting helpers for human-readable command output. */

/**
 * `n.toLocaleString('en-US')`. Safe integers are grouped here: a process's first toLocaleString
 * sets up ICU's number formatting, about 12 ms of a short command's start.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/**
 * A size in decimal units (1 KB = 1,000 bytes, 1 MB = 1,000,000), as `limits.max_bytes_per_file`,
 * the progress bar and the benchmarks count them: a file of 190,000,000 bytes is "190 MB".
 */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  // Rounded as printed: 999,999 bytes is "1.0 MB", not "1000 KB".
  while (Number(v.toFixed(v >= 100 ? 0 : 1)) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatUsd(n: number): string {
  return n < 0.01 && n > 0 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** `text`, cut to its first `max` characters with an ellipsis when longer. */
export function shortened(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Aligns rows of cells into columns. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((row) =>
      (
        indent + row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
      ).trimEnd(),
    )
    .join('\n');
}

/** Control characters (C0, DEL, C1) and the bidirectional overrides that reorder a line. */
const UNSAFE_FOR_TERMINAL = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Text from outside (a file name, an id, an error message) made safe to print on a terminal:
 * control characters are shown escaped (`\n`, `\x1b`, `\u202e`), so that a name cannot clear
 * the screen, recolour it or break a table's row.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
