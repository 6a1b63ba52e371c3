/**
 * Starting the conversion's helper thread (helper-thread.ts). The `process` command starts it
 * before its own modules load, so that the thread boots and loads its modules on the second
 * core meanwhile; the conversion's threadHelpers() takes it then (or starts one of its own).
 * This module loads nothing else, so that starting the thread early costs no loading first.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncodingName } from '../domain/token-counter.ts';

/**
 * The encoding a thread started early loads before it is asked: the default model's, and that of
 * every current OpenAI model but the gpt-4 and gpt-3.5 ones (token-counter.ts encodingForModel).
 * A conversion that counts no text in it tells the thread to drop it (ConvertHelpers.expect).
 */
export const PRELOADED_ENCODING: EncodingName = 'o200k_base';

/** What the helper thread is started with. */
export interface HelperThreadData {
  /** An encoding to load at once, before any request names it. */
  readonly preload?: EncodingName;
}

/** A helper thread started, and how it ended if it did before it was taken. */
export interface StartedHelper {
  readonly worker: Worker;
  /** Its error or exit, seen before threadHelpers() listened for them. */
  readonly ended: () => Error | undefined;
}

export function startHelperThread(data: HelperThreadData = {}): Worker {
  // The helper is a sibling module: .ts when running from source, .js when built.
  const here = fileURLToPath(import.meta.url);
  return new Worker(new URL(`./helper-thread${extname(here)}`, import.meta.url), {
    workerData: data,
    // Its garbage is short-lived: a small young generation keeps its memory flat.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
}

let early: StartedHelper | undefined;

/**
 * Starts the helper thread now, for the next threadHelpers() of this process to take, loading
 * PRELOADED_ENCODING's tokenizer at once: that load (about 0.3 s) is the longest part of the
 * start, and the encoding a conversion needs is known only once its configuration is read. It
 * does not keep the process alive; one never taken ends with the process.
 */
export function startHelperThreadEarly(): void {
  if (early !== undefined) return;
  const worker = startHelperThread({ preload: PRELOADED_ENCODING });
  let ended: Error | undefined;
  const onError = (err: Error): void => void (ended ??= err);
  const onExit = (code: number): void =>
    void (ended ??= new Error(`helper thread stopped (exit ${code})`));
  worker.on('error', onError);
  worker.on('exit', onExit);
  worker.unref();
  early = {
    worker,
    ended: () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      return ended;
    },
  };
}

/** The helper thread started early, once (undefined when none was, or it was taken). */
export function takeEarlyHelperThread(): StartedHelper | undefined {
  const taken = early;
  early = undefined;
  return taken;
}
