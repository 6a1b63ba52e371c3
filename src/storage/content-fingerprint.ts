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
  /** The hash state after those bytes, for the reader of the rest to continue from. */
  readonly prefix?: PrefixState | undefined;
}

/** What a reader of the file makes of the bytes it read: all but a prefix's hash. */
export type ReadFingerprint = Omit<ContentFingerprint, 'prefixSha256'>;

const CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** The fingerprint of bytes as they are read, piece by piece (the reader's own pass). */
export interface ContentHasher {
  update(bytes: Buffer): void;
  /** The state after everything given so far, to continue from (its hash copied). */
  state(): PrefixState;
  /** Size, SHA-256, line ends of everything given so far; the hasher cannot be used after. */
  digest(): ReadFingerprint;
}

/** Size, line ends and last byte of bytes given piece by piece: a fingerprint but its hash. */
export interface ByteTally {
  add(bytes: Buffer): void;
  /** What was added so far (`last`: its last byte, -1 before any). */
  state(): { readonly size: number; readonly newlines: number; readonly last: number };
  /** The fingerprint of everything added, with its SHA-256 taken elsewhere. */
  fingerprint(sha256: string): ReadFingerprint;
}

/** A tally, empty or continuing from what a prefix held. */
export function createByteTally(from?: {
  readonly size: number;
  readonly newlines: number;
  readonly last: number;
}): ByteTally {
  let size = from?.size ?? 0;
  let newlines = from?.newlines ?? 0;
  let last = from?.last ?? -1;
  return {
    add(bytes) {
      if (bytes.length === 0) return;
      size += bytes.length;
      newlines += countNewlines(bytes);
      last = bytes[bytes.length - 1]!;
    },
    state: () => ({ size, newlines, last }),
    fingerprint: (sha256) => ({ size, sha256, newlines, endsWithNewline: last === NEWLINE }),
  };
}

/**
 * A hasher, empty or continuing from a prefix already hashed (`from`: its hash state, copied,
 * and what it held).
 */
export function createContentHasher(from?: {
  readonly hash: Hash;
  readonly size: number;
  readonly newlines: number;
  readonly last: number;
}): ContentHasher {
  const hash = from?.hash.copy() ?? createHash('sha256');
  const tally = createByteTally(from);
  return {
    update(bytes) {
      if (bytes.length === 0) return;
      hash.update(bytes);
      tally.add(bytes);
    },
    state: () => ({ hash: hash.copy(), ...tally.state() }),
    digest: () => tally.fingerprint(hash.digest('hex')),
  };
}

/** The state of a fingerprint after its first `size` bytes, to continue from. */
export interface PrefixState {
  readonly hash: Hash;
  readonly size: number;
  readonly newlines: number;
  readonly last: number;
}

/** Hands `visit` the first `size` bytes of `path` (fewer if it is shorter now), piece by piece. */
async function readPieces(
  path: string,
  size: number,
  visit: (piece: Buffer, at: number) => void,
): Promise<void> {
  const handle = await open(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - at), at);
      if (bytesRead === 0) break;
      visit(buf.subarray(0, bytesRead), at);
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Hashes the first `bytes` bytes of `path` (fewer if it is shorter now) into a prefix state. */
export async function prefixState(path: string, bytes: number): Promise<PrefixState> {
  const hasher = createContentHasher();
  await readPieces(path, bytes, (piece) => hasher.update(piece));
  return hasher.state();
}

/**
 * Reads the first `size` bytes of `path` (fewer if the file is shorter now); with `prefixBytes`,
 * also the SHA-256 of the first `prefixBytes` of them and the state there (when it is that long).
 */
export async function fingerprintFile(
  path: string,
  size: number,
  prefixBytes?: number,
): Promise<ContentFingerprint> {
  const hasher = createContentHasher();
  let prefix: PrefixState | undefined;
  if (prefixBytes === 0) prefix = hasher.state();
  await readPieces(path, size, (piece, at) => {
    if (prefixBytes !== undefined && prefix === undefined && at + piece.length >= prefixBytes) {
      hasher.update(piece.subarray(0, prefixBytes - at));
      prefix = hasher.state();
      hasher.update(piece.subarray(prefixBytes - at));
    } else hasher.update(piece);
  });
  return {
    ...hasher.digest(),
    prefixSha256: prefix?.hash.copy().digest('hex'),
    prefix,
  };
}
