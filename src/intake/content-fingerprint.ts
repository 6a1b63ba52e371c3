/**
 * What an inbox file holds, in one streaming pass (constant memory): the SHA-256 of its first
 * `size` bytes, the number of line ends in them, whether they end with one, and, when asked, the
 * SHA-256 of a shorter prefix (to tell whether a file only grew since it was last read).
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

export interface ContentFingerprint {
  readonly size: number;
  readonly sha256: string;
  /** Line ends (`\n`) in the first `size` bytes. */
  readonly newlines: number;
  readonly endsWithNewline: boolean;
  /** SHA-256 of the first `prefixBytes` bytes, when asked for and the file is that long. */
  readonly prefixSha256: string | undefined;
}

const CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** Reads the first `size` bytes of `path` (fewer if the file is shorter now). */
export async function fingerprintFile(
  path: string,
  size: number,
  prefixBytes?: number,
): Promise<ContentFingerprint> {
  const hash: Hash = createHash('sha256');
  let prefixSha256: string | undefined;
  if (prefixBytes === 0) prefixSha256 = createHash('sha256').digest('hex');
  const handle = await open(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let position = 0;
  let newlines = 0;
  let last = -1;
  try {
    while (position < size) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - position), position);
      if (bytesRead === 0) break;
      let chunk = buf.subarray(0, bytesRead);
      if (
        prefixBytes !== undefined &&
        position < prefixBytes &&
        position + bytesRead >= prefixBytes
      ) {
        const head = chunk.subarray(0, prefixBytes - position);
        hash.update(head);
        newlines += countNewlines(head);
        prefixSha256 = hash.copy().digest('hex');
        chunk = chunk.subarray(head.length);
      }
      hash.update(chunk);
      newlines += countNewlines(chunk);
      position += bytesRead;
      last = buf[bytesRead - 1]!;
    }
  } finally {
    await handle.close();
  }
  return {
    size: position,
    sha256: hash.digest('hex'),
    newlines,
    endsWithNewline: last === NEWLINE,
    prefixSha256,
  };
}
