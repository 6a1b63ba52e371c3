/**
 * The routes of the emulated Message Batches API under /v1/messages/batches: create (the body's
 * requests checked as the API does), list (newest first, `before_id`/`after_id`/`limit`,
 * lagging when the profile says so), retrieve, cancel, and the results of an ended batch (its
 * JSONL file, streamed). A route returns what to answer; the server writes it.
 */
import type { IncomingMessage } from 'node:http';
import { messageBatchObject, type EmulatedBatch, type MessageBatches } from './message-batches.ts';
import { checkRequests, HttpError, readBody } from './request-checks.ts';

export type MessageBatchesAnswer =
  | { readonly json: unknown }
  /** The results file of an ended batch. */
  | { readonly resultsPath: string };

export interface MessageBatchesRoutesDeps {
  readonly store: MessageBatches;
  readonly maxBytes: number;
  readonly maxRequests: number;
  /** The server's origin, for a batch's `results_url`. */
  readonly baseUrl: () => string;
  readonly now: () => number;
  /** How long a new batch stays out of the list; 0: none. */
  readonly lagMs: number;
}

export function messageBatchesRoutes(deps: MessageBatchesRoutesDeps) {
  const { store } = deps;
  const object = (b: EmulatedBatch) => messageBatchObject(b, deps.baseUrl());
  return async function answer(
    req: IncomingMessage,
    url: URL,
    version: string,
  ): Promise<MessageBatchesAnswer> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1' || parts[1] !== 'messages' || parts[2] !== 'batches') {
      throw new HttpError(404, 'not_found_error', `${method} ${url.pathname}: no such route`);
    }
    const id = parts[3];
    if (id === undefined && method === 'POST') {
      const requests = checkRequests(await readBody(req, deps.maxBytes), version, deps.maxRequests);
      return { json: object(await store.create(requests)) };
    }
    if (id === undefined && method === 'GET') {
      const page = listMessageBatches(store.batches, url.searchParams, deps.now() - deps.lagMs);
      return { json: { ...page, data: page.data.map(object) } };
    }
    const b = id === undefined ? undefined : store.get(id);
    if (b === undefined)
      throw new HttpError(404, 'not_found_error', `message batch ${id} not found`);
    const action = parts[4];
    if (action === undefined && method === 'GET') return { json: object(b) };
    if (action === 'cancel' && method === 'POST') {
      await store.cancel(b);
      return { json: object(b) };
    }
    if (action === 'results' && method === 'GET') {
      if (b.status !== 'ended')
        throw new HttpError(400, 'invalid_request_error', `batch ${b.id} has not ended yet`);
      return { resultsPath: store.resultsPath(b.id) };
    }
    throw new HttpError(405, 'invalid_request_error', `${method} ${url.pathname}: not allowed`);
  };
}

/**
 * A page of the list, newest first: the batches created up to `createdUpTo` (ms), after
 * `after_id` or before `before_id`, at most `limit` (1 to 1000, 20 when absent).
 */
export function listMessageBatches(
  batches: readonly EmulatedBatch[],
  query: URLSearchParams,
  createdUpTo: number,
) {
  const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 20)));
  let list = batches.filter((b) => b.createdMs <= createdUpTo).reverse();
  const after = query.get('after_id');
  const before = query.get('before_id');
  if (after !== null) list = list.slice(list.findIndex((b) => b.id === after) + 1);
  if (before !== null)
    list = list.slice(
      0,
      Math.max(
        0,
        list.findIndex((b) => b.id === before),
      ),
    );
  const page = list.slice(0, limit);
  return {
    data: page,
    has_more: list.length > limit,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
  };
}
