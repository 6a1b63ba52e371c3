/**
 * Where each request goes: into the open batch input file of its scenario in the current repo
 * folder, into a new one when a per-file limit would be passed, or nowhere when it alone passes
 * a limit. Sealing (flush, fsync, manifest, final name) runs in the background, one file after
 * the other so that names are given in order, while the next requests are placed.
 */
import type { Config } from '../config/schema.ts';
import { EMPTY_FILL, placeRequest, type FileLimits } from './batch-file-plan.ts';
import {
  openBatchInputFile,
  type BatchInputFile,
  type ChunkPool,
  type ContentHash,
  type EncodedRequest,
  type SealedBatchInput,
} from './batch-input-writer.ts';
import type { Scenario } from '../domain/answer-schemas.ts';

export function fileLimits(config: Config, model: string): FileLimits {
  const enqueued = config.limits.enqueued_tokens?.[model];
  const caps = [config.limits.max_tokens_per_file, enqueued].filter(
    (n): n is number => n !== undefined,
  );
  return {
    maxRequests: config.limits.max_requests_per_file,
    maxBytes: config.limits.max_bytes_per_file,
    maxTokens: caps.length > 0 ? Math.min(...caps) : undefined,
  };
}

export interface PlacerOptions {
  readonly models: Readonly<Record<Scenario, string>>;
  readonly limits: Readonly<Record<Scenario, FileLimits>>;
  readonly now: () => Date;
  readonly chunks?: ChunkPool;
  readonly contentHash?: () => ContentHash;
  /** Called when a file is full, before it is sealed (synchronously). */
  readonly beforeSeal?: () => void;
  /** Called when a file has its final name (in order). */
  readonly onSealed: (sealed: SealedBatchInput) => void;
}

export type Placed = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function createBatchInputPlacer(options: PlacerOptions) {
  const writers = new Map<Scenario, BatchInputFile>();
  let dir: string | undefined;
  let sealing: Promise<void> = Promise.resolve();

  const seal = (scenario: Scenario): void => {
    const w = writers.get(scenario);
    if (w === undefined) return;
    writers.delete(scenario);
    options.beforeSeal?.();
    sealing = sealing.then(async () => options.onSealed(await w.seal()));
  };
  const sealAll = (): void => {
    for (const scenario of [...writers.keys()]) seal(scenario);
  };

  return {
    /** Requests placed from now on go to this folder; the previous folder's files are sealed. */
    useFolder(folder: string): void {
      if (dir === folder) return;
      sealAll();
      dir = folder;
    },

    async place(scenario: Scenario, request: EncodedRequest, source: string): Promise<Placed> {
      if (dir === undefined) throw new Error('place before useFolder');
      const limits = options.limits[scenario];
      const bytes = request.line.byteLength;
      let writer = writers.get(scenario);
      const placement = placeRequest(
        writer?.fill ?? EMPTY_FILL,
        { bytes, tokens: request.promptTokens },
        limits,
      );
      if (placement === 'too_large') {
        const why =
          bytes > limits.maxBytes
            ? `${bytes} bytes, more than limits.max_bytes_per_file (${limits.maxBytes})`
            : `${request.promptTokens} prompt tokens, more than the per-file token limit (${limits.maxTokens})`;
        return { ok: false, reason: `its request alone is ${why}` };
      }
      if (placement === 'next_file') {
        seal(scenario);
        writer = undefined;
      }
      if (writer === undefined) {
        writer = await openBatchInputFile({
          dir,
          scenario,
          model: options.models[scenario],
          now: options.now,
          ...(options.chunks ? { chunks: options.chunks } : {}),
          ...(options.contentHash ? { contentHash: options.contentHash } : {}),
        });
        writers.set(scenario, writer);
      }
      await writer.append(request, source);
      return { ok: true };
    },

    /** Seals every open file and waits until all have their final names. */
    async finish(): Promise<void> {
      sealAll();
      await sealing;
    },

    /** Drops the files not sealed yet (their temporary files are removed). */
    async abort(): Promise<void> {
      await sealing.catch(() => undefined);
      for (const w of writers.values()) await w.abort();
      writers.clear();
    },
  };
}

export interface CountedRequests {
  requests: number;
  promptTokens: number;
  maxCompletionTokens: number;
}

/**
 * The placer of a dry run (`slicebatch estimate`): the same decisions about what fits, and
 * nothing written; it counts the requests and their exact prompt tokens per scenario.
 */
export function createCountingPlacer(limits: Readonly<Record<Scenario, FileLimits>>) {
  const counted: Record<Scenario, CountedRequests> = {
    scenario1: { requests: 0, promptTokens: 0, maxCompletionTokens: 0 },
    scenario2: { requests: 0, promptTokens: 0, maxCompletionTokens: 0 },
  };
  return {
    counted: counted as Readonly<Record<Scenario, Readonly<CountedRequests>>>,
    useFolder(_folder: string): void {},
    place(scenario: Scenario, request: EncodedRequest): Promise<Placed> {
      const bytes = request.line.byteLength;
      const l = limits[scenario];
      if (placeRequest(EMPTY_FILL, { bytes, tokens: request.promptTokens }, l) === 'too_large') {
        return Promise.resolve({ ok: false, reason: 'its request alone passes a per-file limit' });
      }
      const c = counted[scenario];
      c.requests++;
      c.promptTokens += request.promptTokens;
      c.maxCompletionTokens += request.maxCompletionTokens;
      return Promise.resolve({ ok: true });
    },
    finish: (): Promise<void> => Promise.resolve(),
    abort: (): Promise<void> => Promise.resolve(),
  };
}
