/**
 * The buffers the helper thread packs fingerprints into (helper-thread.ts), reused: the
 * conversion gives each back once its chunk is placed (spare-buffers.ts).
 */
import {
  createWasmCodeFingerprinter,
  type WasmCodeFingerprinter,
} from '../domain/wasm-code-fingerprint.ts';
import { spareBuffers, type SpareBuffers } from './spare-buffers.ts';

export type FingerprintBuffers = SpareBuffers<Uint32Array>;

export function fingerprintBuffers(): FingerprintBuffers {
  return spareBuffers((words) => new Uint32Array(words));
}

let fingerprinter: WasmCodeFingerprinter | undefined;

/**
 * The fingerprints of `codes` packed in order into `out` (as packFingerprints, whose words
 * beyond a short code's exact hash and tokens are not read: a reused buffer's are left), the
 * ASCII ones in WebAssembly (the same words: wasm-code-fingerprint.ts).
 */
export function packFingerprintsInto(
  codes: readonly string[],
  hashComment: Uint8Array,
  out: Uint32Array,
): Uint32Array {
  fingerprinter ??= createWasmCodeFingerprinter();
  return fingerprinter.packInto(codes, hashComment, out);
}
