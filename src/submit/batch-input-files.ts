/**
 * The batch input files waiting in the batch input stage, each with its manifest (totals for
 * the token budget and the cost). A file without a manifest (written by hand, or by an older
 * version) gets one computed from its content, and written beside it.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { isBatchInputName, manifestNameFor } from '../domain/file-names.ts';
import type { BatchInputFile, BatchInputManifest } from '../domain/batch-input-manifest.ts';
import { hashFile } from '../storage/file-hash.ts';
import { isRequestBody, maxOutputTokensOf, promptTokensOfBody } from '../domain/request-tokens.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import {
  encodingForModel,
  tokenCounters,
  type EncodingName,
  type TokenCounter,
} from '../domain/token-counter.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { listFiles } from '../storage/list-files.ts';

export type { BatchInputFile } from '../domain/batch-input-manifest.ts';

function displayPath(dataDir: string, path: string): string {
  const rel = relative(dataDir, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}

/** A manifest from the file's content, when none was written with it. */
export async function computeManifest(
  path: string,
  name: string,
  counters: (e: EncodingName) => Promise<TokenCounter>,
): Promise<BatchInputManifest> {
  let requests = 0;
  let promptTokens = 0;
  let maxCompletion = 0;
  let model = '';
  const loaded = new Map<EncodingName, TokenCounter>();
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text') continue;
      requests++;
      try {
        const body = (JSON.parse(line.text) as { body?: unknown }).body;
        if (!isRequestBody(body)) continue;
        model ||= body.model;
        const encoding = encodingForModel(body.model);
        if (!loaded.has(encoding)) loaded.set(encoding, await counters(encoding));
        promptTokens += promptTokensOfBody(body, (e) => loaded.get(e)!);
        maxCompletion += maxOutputTokensOf(body);
      } catch {
        // Not a request line: the API's validation will say so; it counts for nothing here.
      }
    }
  }
  const { sha256, bytes } = await hashFile(path);
  const scenario = (/^(scenario[12])_/.exec(name)?.[1] ?? 'scenario1') as Scenario;
  return {
    version: 1,
    file: name,
    scenario,
    model,
    requests,
    bytes,
    prompt_tokens: promptTokens,
    max_completion_tokens: maxCompletion,
    sha256,
    created_at: new Date().toISOString(),
    sources: [],
    attempt: 1,
  };
}

export async function listBatchInputFiles(
  batchInputDir: string,
  dataDir: string,
  counters: (e: EncodingName) => Promise<TokenCounter> = tokenCounters(),
): Promise<BatchInputFile[]> {
  const listed = await listFiles(batchInputDir, (rel) => isBatchInputName(rel.split('/').pop()!));
  const out: BatchInputFile[] = [];
  for (const f of listed) {
    const name = f.rel.split('/').pop()!;
    const manifestPath = join(
      batchInputDir,
      ...f.relDir.split('/').filter(Boolean),
      manifestNameFor(name),
    );
    let manifest: BatchInputManifest;
    try {
      manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BatchInputManifest;
    } catch {
      manifest = await computeManifest(f.path, name, counters);
      await writeJsonAtomic(manifestPath, manifest);
    }
    out.push({
      path: f.path,
      display: displayPath(dataDir, f.path),
      repo: f.relDir,
      name,
      manifest,
    });
  }
  return out;
}

/** The batch endpoint of a batch input file: the `url` of its first request (chat if unknown). */
export async function endpointOfFile(path: string): Promise<string> {
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text') continue;
      try {
        const url = (JSON.parse(line.text) as { url?: unknown }).url;
        if (typeof url === 'string' && url !== '') return url;
      } catch {
        // not a request: the API's validation will say so
      }
      return '/v1/chat/completions';
    }
  }
  return '/v1/chat/completions';
}
