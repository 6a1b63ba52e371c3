/**
 * An encoding's tokens by rank, as bytes, in a form that loads in milliseconds.
 *
 * The tokenizer library ships each token list as a JavaScript array literal of 200,000 strings
 * (o200k: 2.4 MB of source): importing it took about 145 ms, and making the counter's tables
 * from its strings about 200 ms more (a map of the tokens beyond ASCII among them), all on the
 * path of the conversion's first answer. The same list is kept here packed (a byte of length a
 * rank, then every token's bytes), deflated and in base64 so that it travels as source, as the
 * WebAssembly modules do: `npm run build:token-lists` (scripts/build-token-lists.ts) writes it
 * from the library, and test/unit/token-list.test.ts fails when it is not the library's list,
 * rank by rank.
 *
 * A token given by the library as bytes that are valid UTF-8 (the tokens that start with a
 * byte order mark: 9 in o200k, 8 in cl100k) is never reached by its encoder, which looks such
 * bytes up as text; it is kept here with no bytes (length 0), so that no table holds it either.
 */
import { isUtf8 } from 'node:buffer';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface TokenList {
  /** Ranks in the list (the highest rank + 1). */
  readonly count: number;
  /** The bytes of rank r are `bytes[starts[r], starts[r + 1])`; none for an unreachable rank. */
  readonly starts: Int32Array;
  readonly bytes: Uint8Array;
  /** `count` lengths of a byte, then `bytes`: the list as the WebAssembly counter takes it. */
  readonly packed: Uint8Array;
}

/** Longest token, in bytes (a length is one byte of the packed list). */
const TOKEN_MAX = 255;

/**
 * The packed list of `decoder` (rank → token text, or bytes): `count` lengths of one byte
 * (little-endian count first, 4 bytes), then the tokens' bytes in rank order.
 */
export function packTokenList(decoder: readonly unknown[]): Uint8Array {
  const tokens: Buffer[] = [];
  for (let rank = 0; rank < decoder.length; rank++) {
    const token = decoder[rank];
    const bytes =
      typeof token === 'string'
        ? Buffer.from(token, 'utf8')
        : Buffer.from((token ?? []) as readonly number[]);
    if (bytes.length > TOKEN_MAX) throw new RangeError(`token ${rank}: ${bytes.length} bytes`);
    tokens.push(typeof token === 'string' || !isUtf8(bytes) ? bytes : Buffer.alloc(0));
  }
  const head = Buffer.alloc(4 + tokens.length);
  head.writeUInt32LE(tokens.length, 0);
  tokens.forEach((bytes, rank) => (head[4 + rank] = bytes.length));
  return Buffer.concat([head, ...tokens]);
}

/** The packed list deflated, in base64: what the list's module holds. */
export function encodeTokenList(packed: Uint8Array): string {
  return deflateRawSync(packed, { level: 9 }).toString('base64');
}

export function decodeTokenList(base64: string): TokenList {
  const packed = inflateRawSync(Buffer.from(base64, 'base64'));
  const count = packed.readUInt32LE(0);
  const starts = new Int32Array(count + 1);
  let at = 0;
  for (let rank = 0; rank < count; rank++) {
    starts[rank] = at;
    at += packed[4 + rank]!;
  }
  starts[count] = at;
  const bytes = packed.subarray(4 + count);
  if (bytes.length !== at) throw new Error(`a token list of ${bytes.length} bytes, not ${at}`);
  return { count, starts, bytes, packed: packed.subarray(4) };
}

/** The list of an encoding (its module imported only when asked for). */
export async function loadTokenList(encoding: EncodingName): Promise<TokenList> {
  const base64 =
    encoding === 'o200k_base'
      ? (await import('./token-list-o200k.ts')).o200kTokenList
      : (await import('./token-list-cl100k.ts')).cl100kTokenList;
  return decodeTokenList(base64);
}
