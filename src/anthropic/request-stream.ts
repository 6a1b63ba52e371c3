/**
 * The batch input file, read line by line (never whole), as Message Batches requests: once to
 * write the custom_id mapping and count the requests before the create call, then again as the
 * streamed body of the call (`{"requests":[…]}`), so that memory does not grow with the batch.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { translateRequestLine, type TranslatedRequest } from './translate-request.ts';

async function* requests(path: string, key: string): AsyncGenerator<TranslatedRequest> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let lineNo = 0;
  let index = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    yield translateRequestLine(text, lineNo, index++, key);
  }
}

export interface RequestPlan {
  readonly requests: number;
  readonly model: string | null;
  readonly bytes: number;
}

/**
 * Checks every line, writes our custom_ids in request order (JSON, one a line) to `idsPath`,
 * and says how many requests and body bytes the batch will have. The ids file holds one id per
 * request: it is written whole (atomically), and its size is that of the ids alone.
 */
export async function planRequests(
  path: string,
  key: string,
  idsPath: string,
): Promise<RequestPlan> {
  const ids: string[] = [];
  let model: string | null = null;
  let bytes = '{"requests":[]}'.length;
  for await (const r of requests(path, key)) {
    ids.push(JSON.stringify(r.customId));
    if (model === null) model = (JSON.parse(r.json) as { params: { model: string } }).params.model;
    bytes += Buffer.byteLength(r.json) + (ids.length > 1 ? 1 : 0);
  }
  await writeFileAtomic(idsPath, ids.length === 0 ? '' : `${ids.join('\n')}\n`);
  return { requests: ids.length, model, bytes };
}

/** The create call's body, streamed. */
export async function* requestBody(path: string, key: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from('{"requests":[');
  let first = true;
  for await (const r of requests(path, key)) {
    yield Buffer.from(first ? r.json : `,${r.json}`);
    first = false;
  }
  yield Buffer.from(']}');
}
