/**
 * Measured, not taken (docs/performance-history.md, issue 15): writing a slice's code into its request
 * by copying its JSON-escaped form from the input line, instead of `JSON.stringify`-ing the
 * code segment the template renders. The copy is taken only when it is the text
 * `JSON.stringify` gives: the `"code_snippet"` key found once in the line (its only literal
 * occurrence after the first, no `\u` escape in any key that could spell it), only the short
 * escapes `JSON.stringify` writes (`\" \\ \b \f \n \r \t`, no `\/` nor `\u`), and the
 * whitespace that the schema's trim() removes cut off both ends. Every slice whose copy is
 * taken is checked to give the same bytes as `JSON.stringify`.
 *
 *   node bench/code-escape-copy.ts [--mb 60] [--runs 5] [--from FILE]
 *
 * Thread CPU time, best of `--runs` passes, over the slices of the first `--mb` MB of the real
 * corpus (bench/.corpus/real-271mb, made by `npm run bench`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseSliceLine } from '../src/domain/parse-slice.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '60' },
    runs: { type: 'string', default: '5' },
    from: {
      type: 'string',
      default: 'bench/.corpus/real-271mb/x1/2.reviewed_slices/repo_stdlib_0/code_slices.jsonl',
    },
  },
});

const KEY = '"code_snippet"';
const BACKSLASH = 92;
const QUOTE = 34;

/** The character a JSON string's text gives at `i` (an escape's), or -1 for an escape not kept. */
function decodedAt(line: string, i: number): number {
  const c = line.charCodeAt(i);
  if (c !== BACKSLASH) return c;
  const e = line.charCodeAt(i + 1);
  const short: Record<number, number> = {
    34: 34,
    92: 92,
    98: 8,
    102: 12,
    110: 10,
    114: 13,
    116: 9,
  };
  return short[e] ?? -1;
}

const isShortEscape = (e: number): boolean =>
  e === 110 || e === QUOTE || e === BACKSLASH || e === 116 || e === 114 || e === 98 || e === 102;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** `JSON.stringify(code).slice(1, -1)` copied out of `line`, or undefined (then stringify). */
export function escapedCodeInLine(line: string, code: string): string | undefined {
  const k = line.indexOf(KEY);
  if (k <= 0 || line.charCodeAt(k - 1) === BACKSLASH || line.lastIndexOf('\\u', k) !== -1) {
    return undefined;
  }
  let i = k + KEY.length;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i++) !== 58) return undefined; // ':'
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i++) !== QUOTE) return undefined;
  // Leading whitespace that trim() removed: spaces and the escapes of \n \t \r \f.
  for (;;) {
    const c = line.charCodeAt(i);
    if (c === 32) i++;
    else if (c === BACKSLASH && [110, 116, 114, 102].includes(line.charCodeAt(i + 1))) i += 2;
    else break;
  }
  // Any other whitespace first (no-break space...) makes this differ from code[0]: stringify.
  if (decodedAt(line, i) !== code.charCodeAt(0)) return undefined;
  // Walk the escapes to the closing quote, noting where code.length characters end.
  let escapes = 0;
  let cut = -1;
  let q = line.indexOf('"', i);
  let b = line.indexOf('\\', i);
  while (b !== -1 && b < q) {
    const e = line.charCodeAt(b + 1);
    if (!isShortEscape(e)) return undefined;
    if (cut < 0 && code.length <= b - i - escapes) cut = i + code.length + escapes;
    escapes++;
    if (e === QUOTE) q = line.indexOf('"', b + 2);
    b = line.indexOf('\\', b + 2);
  }
  if (q === -1 || line.indexOf(KEY, q) !== -1 || line.indexOf('\\u', q) !== -1) return undefined;
  if (cut < 0) {
    if (code.length > q - i - escapes) return undefined;
    cut = i + code.length + escapes;
  }
  return line.slice(i, cut);
}

const text = readFileSync(values.from, 'utf8').slice(0, Number(values.mb) * 1e6);
const lines = text.split('\n');
lines.pop();
const rows: { line: string; code: string }[] = [];
for (const line of lines) {
  const p = parseSliceLine(line);
  if (p.ok) rows.push({ line, code: p.slice.code_snippet });
}
const out = Buffer.allocUnsafe(64 << 20);
const escaped = (s: string): string => JSON.stringify(s).slice(1, -1);

let copied = 0;
let differ = 0;
for (const { line, code } of rows) {
  const raw = escapedCodeInLine(line, code);
  if (raw === undefined) continue;
  copied++;
  if (raw !== escaped(code)) differ++;
}

const cpuMs = (): number => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};
const best = (f: () => void): number => {
  let min = Infinity;
  for (let r = 0; r < Number(values.runs); r++) {
    const t = cpuMs();
    f();
    min = Math.min(min, cpuMs() - t);
  }
  return min;
};
// The code segment of the default scenario 1 template: "```python\n" + code + "\n".
const stringified = best(() => {
  let at = 0;
  for (const { code } of rows)
    at = (at + out.write(escaped(`\`\`\`python\n${code}\n`), at)) & 0x3ffffff;
});
const copiedFromLine = best(() => {
  let at = 0;
  for (const { line, code } of rows) {
    at += out.write('```python\\n', at);
    at += out.write(escapedCodeInLine(line, code) ?? escaped(code), at);
    at = (at + out.write('\\n', at)) & 0x3ffffff;
  }
});
const findOnly = best(() => {
  for (const { line, code } of rows) escapedCodeInLine(line, code);
});
console.log(
  `${rows.length} slices of ${values.mb} MB: escaped form copied from the line for ${copied} ` +
    `(${differ} differing from JSON.stringify), the rest stringified\n` +
    `JSON.stringify of the code segment, written: ${stringified.toFixed(0)} ms\n` +
    `copied from the line (found, checked, written): ${copiedFromLine.toFixed(0)} ms\n` +
    `finding and checking alone: ${findOnly.toFixed(0)} ms`,
);
if (differ > 0) process.exitCode = 1;
