/**
 * One SDK call made safe for the port: its failure thrown as slicebatch's own error (classified
 * once, api-failure.ts; an aborted call throws its signal's reason), a listing's failure too,
 * page by page; and an answer's shape checked (answer-shapes.ts) and its ids plain names
 * (api-ids.ts) before it leaves the adapter.
 */
import { checkedBatch, checkedFile } from './answer-shapes.ts';
import { plainApiId, plainOptionalApiId } from './api-ids.ts';
import { fromSdkError } from './api-failure.ts';
import type { CallOptions } from './port-types.ts';
import type { RemoteBatch, RemoteFile } from './remote-types.ts';

/** A file the API described: the shape checked (answer-shapes.ts), then its id a plain name (api-ids.ts). */
export function safeFile(call: string, f: unknown): RemoteFile {
  const checked = checkedFile(call, f);
  plainApiId('file id', checked.id, `the answer to ${call}`);
  return checked;
}

/** A batch the API described: the shape checked, then every id in it a plain name. */
export function safeBatch(call: string, b: unknown): RemoteBatch {
  const checked = checkedBatch(call, b);
  const where = `the answer to ${call}`;
  plainApiId('batch id', checked.id, where);
  plainApiId('file id', checked.input_file_id, `${where}, input_file_id`);
  plainOptionalApiId('file id', checked.output_file_id, `${where}, output_file_id`);
  plainOptionalApiId('file id', checked.error_file_id, `${where}, error_file_id`);
  return checked;
}

export function signalOf(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

/** One SDK call, its failure thrown as slicebatch's own error. */
export async function sdk<T>(options: CallOptions | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromSdkError(err, options?.signal);
  }
}

/** An SDK listing, page by page, its failure thrown as slicebatch's own error. */
export async function* sdkPages<T>(
  options: CallOptions | undefined,
  list: () => AsyncIterable<T>,
): AsyncIterable<T> {
  try {
    for await (const item of list()) yield item;
  } catch (err) {
    throw fromSdkError(err, options?.signal);
  }
}
