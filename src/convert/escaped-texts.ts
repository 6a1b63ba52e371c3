/**
 * The long variable texts of a chunk's requests (a slice's code, mostly), JSON-escaped and
 * encoded as UTF-8 by the thread that counts their tokens: the helper thread, which receives
 * them anyway and has time to spare, while the conversion thread bounds the wall time. The
 * conversion thread leaves a hole in each request line where such a text goes
 * (request-builder.ts) and fills it when the chunk is placed (chunk-placement.ts).
 */
import type { SpareBuffers } from './spare-buffers.ts';

/** Variable texts longer than this are escaped by the counting thread. */
export const ESCAPE_MIN_CHARS = 200;

/** Escaped texts: the k-th of those asked for is `bytes[spans[2k], spans[2k + 1])`. */
export interface EscapedTexts {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly spans: Int32Array<ArrayBuffer>;
}

/** Most UTF-8 bytes one UTF-16 code unit of a JSON string can take. */
const MAX_UTF8_PER_UNIT = 3;

/**
 * `texts[at[k]]` for each k, JSON-escaped (without quotes) and encoded one after another into a
 * buffer taken from `buffers` (given back there once read, for reuse).
 */
export function escapeTexts(
  texts: readonly string[],
  at: Int32Array,
  buffers: SpareBuffers<Uint8Array<ArrayBuffer>>,
): EscapedTexts {
  let guess = 64;
  for (const i of at) guess += texts[i]!.length + 2;
  let bytes = buffers.take(guess);
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const spans = new Int32Array(at.length * 2);
  let used = 0;
  for (let k = 0; k < at.length; k++) {
    const json = JSON.stringify(texts[at[k]!]!);
    const most = json.length * MAX_UTF8_PER_UNIT;
    if (used + most > out.length) {
      const bigger = buffers.take(Math.max(out.length * 2, used + most));
      bigger.set(bytes.subarray(0, used));
      buffers.giveBack(bytes);
      bytes = bigger;
      out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    const written = out.write(json, used, 'utf8');
    // Without the quotes.
    spans[2 * k] = used + 1;
    spans[2 * k + 1] = used + written - 1;
    used += written;
  }
  return { bytes, spans };
}
