/**
 * An upload to the emulator's Files (`POST /v1/files`): the multipart body parsed as a stream
 * (also chunked) with its `file` written to disk as it arrives (`receiveUpload`), then its fields
 * checked as the API checks them (`checkUpload`, pure): `purpose` one of the API's, a batch file
 * a `.jsonl` within the size limit, `expires_after[seconds]` within the provider's range.
 */
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, apiErrors } from './api-errors.ts';

export const FILE_PURPOSES = [
  'assistants',
  'batch',
  'fine-tune',
  'vision',
  'user_data',
  'evals',
] as const;

export interface ReceivedUpload {
  /** The `file` part's name; undefined when the body had none. */
  readonly filename: string | undefined;
  readonly fields: ReadonlyMap<string, string>;
  readonly bytes: number;
}

export interface UploadLimits {
  /** Largest upload accepted for purpose "batch". */
  readonly maxBatchFileBytes: number;
  /** The `expires_after` seconds accepted; null: the parameter is refused; absent: the API's. */
  readonly fileExpiry?: { readonly minS: number; readonly maxS: number } | null | undefined;
}

/**
 * Streams the upload's `file` part into `tmp`. `onHeld` hears how many bytes are held in memory
 * at each chunk (the streams' buffers). On a failure `tmp` is removed.
 */
export async function receiveUpload(
  req: IncomingMessage,
  tmp: string,
  onHeld: (bytes: number) => void,
): Promise<ReceivedUpload> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) {
    throw apiErrors.badRequest('The request must be multipart/form-data.', null, null);
  }
  const fields = new Map<string, string>();
  let filename: string | undefined;
  let bytes = 0;
  let fileDone: Promise<void> | undefined;
  const busboy = Busboy({ headers: req.headers as BusboyHeaders, limits: { fields: 20 } });
  busboy.on('field', (name: string, value: string) => fields.set(name, value));
  busboy.on(
    'file',
    (field: string, stream: NodeJS.ReadableStream & { readableLength: number }, name: string) => {
      if (field !== 'file' || fileDone !== undefined) {
        stream.resume();
        return;
      }
      filename = name;
      const out = createWriteStream(tmp);
      const count = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          onHeld(stream.readableLength + out.writableLength + chunk.length);
          cb(null, chunk);
        },
      });
      fileDone = pipeline(stream, count, out);
    },
  );
  try {
    await pipeline(req, busboy);
    await fileDone;
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof ApiError) throw err;
    throw apiErrors.badRequest(`Could not read the upload: ${(err as Error).message}`);
  }
  return { filename: fileDone === undefined ? undefined : filename, fields, bytes };
}

/** The upload's name, purpose and expiry, or the API's error for what is wrong with it. */
export function checkUpload(
  upload: ReceivedUpload,
  limits: UploadLimits,
): { filename: string; purpose: string; expiresAfterS: number | undefined } {
  const { filename, fields, bytes } = upload;
  const purpose = fields.get('purpose');
  if (filename === undefined)
    throw apiErrors.badRequest("Missing required parameter: 'file'.", 'file');
  if (purpose === undefined)
    throw apiErrors.badRequest("Missing required parameter: 'purpose'.", 'purpose');
  if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) {
    throw apiErrors.badRequest(
      `Invalid value for 'purpose': '${purpose}'.`,
      'purpose',
      'invalid_value',
    );
  }
  if (purpose === 'batch') {
    if (!filename.endsWith('.jsonl')) {
      throw apiErrors.badRequest('Invalid file format for Batch API. Must be .jsonl', 'file');
    }
    if (bytes > limits.maxBatchFileBytes) {
      throw apiErrors.badRequest(
        `File is too large for Batch API: ${bytes} bytes, the limit is ${limits.maxBatchFileBytes}.`,
        'file',
      );
    }
  }
  return { filename, purpose, expiresAfterS: expiresAfterOf(fields, limits.fileExpiry) };
}

function expiresAfterOf(
  fields: ReadonlyMap<string, string>,
  fileExpiry: UploadLimits['fileExpiry'],
): number | undefined {
  const seconds = fields.get('expires_after[seconds]');
  if (seconds === undefined) return undefined;
  const range = fileExpiry === undefined ? { minS: 3600, maxS: 2_592_000 } : fileExpiry;
  if (range === null) {
    throw apiErrors.badRequest(
      "Unrecognized request argument supplied: 'expires_after'.",
      'expires_after[seconds]',
    );
  }
  const expiresAfter = Number(seconds);
  if (!Number.isInteger(expiresAfter) || expiresAfter < range.minS || expiresAfter > range.maxS) {
    throw apiErrors.badRequest(
      `Invalid 'expires_after[seconds]': between ${range.minS} and ${range.maxS}.`,
      'expires_after[seconds]',
    );
  }
  return expiresAfter;
}
