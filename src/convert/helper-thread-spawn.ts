/**
 * Starting the conversion's helper thread (helper-thread.ts), and nothing else: this module
 * loads no conversion code, so a command can start the thread first and let it boot (and load
 * its tokenizer, `preloadEncoding`) on the second core while its own modules load.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncodingName } from '../domain/token-counter.ts';
import type { HelperRequest } from './helper-thread.ts';

/** Why a thread stopped before its client listened (an 'error' nobody heard would end us). */
const endedEarly = new WeakMap<Worker, Error>();

export function spawnHelperThread(): Worker {
  // The helper is a sibling module: .ts when running from source, .js when built.
  const here = fileURLToPath(import.meta.url);
  const worker = new Worker(new URL(`./helper-thread${extname(here)}`, import.meta.url), {
    // Its garbage is short-lived: a small young generation keeps its memory flat.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  worker.on('error', (err: Error) => {
    if (!endedEarly.has(worker)) endedEarly.set(worker, err);
  });
  worker.on('exit', (code) => {
    if (!endedEarly.has(worker))
      endedEarly.set(worker, new Error(`helper thread stopped (exit ${code})`));
  });
  // Until a client listens, nothing here keeps the process alive.
  worker.unref();
  return worker;
}

/** The failure that stopped `worker` so far, if it stopped. */
export function helperThreadEnded(worker: Worker): Error | undefined {
  return endedEarly.get(worker);
}

/**
 * Has the thread load `encoding`'s tokenizer now, without waiting for it: the first count does
 * not wait for the load. A load that fails is reported by the first request that needs it.
 */
export function preloadEncoding(worker: Worker, encoding: EncodingName): void {
  worker.postMessage({ kind: 'preload', encoding } satisfies HelperRequest);
}
