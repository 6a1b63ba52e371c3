/**
 * Where a text can be cut into lines that the tokenizer's split expression always splits at,
 * so that a line's token count depends on the line alone and can be cached.
 *
 * A position p after a newline is such a cut when the characters from p are whitespace other
 * than `\r` and `\n` (possibly none) followed by a character that is not whitespace, and that
 * character is not `/` when it comes right at p. Why every chunk of both split expressions
 * (o200k and cl100k, gpt-tokenizer's) then ends at p, and chunks after p start there:
 *
 * - a chunk of letters or digits (with at most one leading character that is not `\r` or `\n`)
 *   cannot hold the newline before p;
 * - punctuation takes the newlines and (o200k) slashes right after it (`[\r\n/]*`): it stops at
 *   p, since the character at p is none of them;
 * - whitespace holding a newline is matched by `\s*[\r\n]+` (cl100k: `\s*[\r\n]`), tried before
 *   the other whitespace alternatives; its greedy `\s*` backs off to the last newline of the
 *   run of whitespace, the one before p, since the run goes on after p without a newline;
 *   cl100k's `\s+$` cannot match, the run ends before the end of the text.
 *
 * No alternative looks behind, so the chunks from p depend only on the text from p on; and the
 * chunks of a line between two cuts only on the line (its end is decided by the same rules).
 * test/unit/line-cuts.test.ts checks both on random and real text against the split itself.
 * The end of the text is never a cut (`\s+$` would see it).
 */

/** JavaScript's `\s` (with the u flag), other than `\r` and `\n`. */
function isBlank(c: number): boolean {
  if (c === 32 || c === 9) return true;
  if (c < 0xa0) return c === 11 || c === 12;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The first cut in `text` after `from`, or -1 when there is none. */
export function nextLineCut(text: string, from: number): number {
  const end = text.length;
  let nl = text.indexOf('\n', from);
  while (nl >= 0) {
    const p = nl + 1;
    let j = p;
    while (j < end && isBlank(text.charCodeAt(j))) j++;
    if (j < end) {
      const c = text.charCodeAt(j);
      if (c !== 10 && c !== 13 && (j > p || c !== 47)) return p;
    }
    nl = text.indexOf('\n', j > p ? j : p);
  }
  return -1;
}
