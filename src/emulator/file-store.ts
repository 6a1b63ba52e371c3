/**
 * The emulator's Files: contents on disk (never in memory), metadata kept in memory and, with a
 * state folder, persisted beside them. Uploads are parsed as a stream (multipart, also chunked)
 * and written to disk as they arrive.
 */
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { ApiError, apiErrors } from './api-errors.ts';
import { unixSeconds } from './clock.ts';

export const FILE_PURPOSES = [
  'assistants',
  'batch',
  'fine-tune',
  'vision',
  'user_data',
  'evals',
] as const;

export interface FileObject {
  readonly id: string;
  readonly object: 'file';
  readonly bytes: number;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly filename: string;
  readonly purpose: string;
  readonly status: 'processed';
  readonly status_details: null;
}

export interface FileStoreOptions {
  readonly root: string;
  readonly newId: () => string;
  /** Largest upload accepted for purpose "batch". */
  readonly maxBatchFileBytes: number;
  readonly persist: boolean;
  /** The emulator's clock: files past their `expires_at` are gone (404), as on the real API. */
  readonly now?: () => number;
  /** The `expires_after` seconds accepted on upload; null: the parameter is refused. */
  readonly fileExpiry?: { readonly minS: number; readonly maxS: number } | null | undefined;
}

/** Batch input and output files expire 30 days after creation unless told otherwise. */
export const DEFAULT_BATCH_FILE_EXPIRY_S = 30 * 86_400;

export interface ListFilesQuery {
  readonly purpose?: string | undefined;
  readonly limit: number;
  readonly order: 'asc' | 'desc';
  readonly after?: string | undefined;
  /** Only files created at or before this time (ms, the server's clock): a lagging list. */
  readonly createdUpTo?: number | undefined;
}

export async function openFileStore(options: FileStoreOptions) {
  const dataDir = join(options.root, 'files');
  const metaPath = join(options.root, 'files.json');
  await mkdir(dataDir, { recursive: true });
  const files = new Map<string, FileObject>();
  if (options.persist) {
    try {
      for (const f of JSON.parse(await readFile(metaPath, 'utf8')) as FileObject[])
        files.set(f.id, f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  let tmpCounter = 0;
  /** The most bytes of one upload held in memory at once (streams' buffers), for tests. */
  let uploadPeakBuffered = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (!options.persist) return Promise.resolve();
    saving = saving.then(() => writeJsonAtomic(metaPath, [...files.values()]));
    return saving;
  };
  const pathOf = (id: string): string => join(dataDir, id);
  /** Creation times to the millisecond (files made before a restart: their created_at). */
  const createdMs = new Map<string, number>();
  const live = (f: FileObject | undefined): FileObject | undefined =>
    f === undefined ||
    f.expires_at === null ||
    options.now === undefined ||
    unixSeconds(options.now()) < f.expires_at
      ? f
      : undefined;

  const add = async (
    tmp: string,
    filename: string,
    purpose: string,
    bytes: number,
    nowMs: number,
    expiresAfterS?: number,
  ): Promise<FileObject> => {
    const id = options.newId();
    await rename(tmp, pathOf(id));
    const created = unixSeconds(nowMs);
    const expiry =
      expiresAfterS ??
      (purpose === 'batch' || purpose === 'batch_output' ? DEFAULT_BATCH_FILE_EXPIRY_S : undefined);
    const file: FileObject = {
      id,
      object: 'file',
      bytes,
      created_at: created,
      expires_at: expiry === undefined ? null : created + expiry,
      filename,
      purpose,
      status: 'processed',
      status_details: null,
    };
    files.set(id, file);
    createdMs.set(id, nowMs);
    await save();
    return file;
  };

  return {
    get uploadPeakBuffered() {
      return uploadPeakBuffered;
    },

    /** A path for a new file's content, to be registered with `register`. */
    tempPath(): string {
      return join(dataDir, `.tmp-${process.pid}-${tmpCounter++}`);
    },

    async register(
      tmp: string,
      filename: string,
      purpose: string,
      nowMs: number,
      expiresAfterS?: number,
    ): Promise<FileObject> {
      const { size } = await stat(tmp);
      return add(tmp, filename, purpose, size, nowMs, expiresAfterS);
    },

    /** POST /v1/files: multipart with `file`, `purpose`, optional `expires_after[...]`. */
    async upload(req: IncomingMessage, nowMs: number): Promise<FileObject> {
      const type = req.headers['content-type'] ?? '';
      if (!type.startsWith('multipart/form-data')) {
        throw apiErrors.badRequest('The request must be multipart/form-data.', null, null);
      }
      const fields = new Map<string, string>();
      const tmp = join(dataDir, `.upload-${process.pid}-${tmpCounter++}`);
      let filename: string | undefined;
      let bytes = 0;
      let fileDone: Promise<void> | undefined;
      const busboy = Busboy({ headers: req.headers as BusboyHeaders, limits: { fields: 20 } });
      busboy.on('field', (name: string, value: string) => fields.set(name, value));
      busboy.on(
        'file',
        (
          field: string,
          stream: NodeJS.ReadableStream & { readableLength: number },
          name: string,
        ) => {
          if (field !== 'file' || fileDone !== undefined) {
            stream.resume();
            return;
          }
          filename = name;
          const out = createWriteStream(tmp);
          const count = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              bytes += chunk.length;
              const held = stream.readableLength + out.writableLength + chunk.length;
              if (held > uploadPeakBuffered) uploadPeakBuffered = held;
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
      const purpose = fields.get('purpose');
      const fail = async (e: ApiError): Promise<never> => {
        await rm(tmp, { force: true });
        throw e;
      };
      if (fileDone === undefined || filename === undefined)
        return fail(apiErrors.badRequest("Missing required parameter: 'file'.", 'file'));
      if (purpose === undefined)
        return fail(apiErrors.badRequest("Missing required parameter: 'purpose'.", 'purpose'));
      if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) {
        return fail(
          apiErrors.badRequest(
            `Invalid value for 'purpose': '${purpose}'.`,
            'purpose',
            'invalid_value',
          ),
        );
      }
      if (purpose === 'batch') {
        if (!filename.endsWith('.jsonl')) {
          return fail(
            apiErrors.badRequest('Invalid file format for Batch API. Must be .jsonl', 'file'),
          );
        }
        if (bytes > options.maxBatchFileBytes) {
          return fail(
            apiErrors.badRequest(
              `File is too large for Batch API: ${bytes} bytes, the limit is ${options.maxBatchFileBytes}.`,
              'file',
            ),
          );
        }
      }
      let expiresAfter: number | undefined;
      const seconds = fields.get('expires_after[seconds]');
      if (seconds !== undefined) {
        const range =
          options.fileExpiry === undefined ? { minS: 3600, maxS: 2_592_000 } : options.fileExpiry;
        if (range === null) {
          return fail(
            apiErrors.badRequest(
              "Unrecognized request argument supplied: 'expires_after'.",
              'expires_after[seconds]',
            ),
          );
        }
        expiresAfter = Number(seconds);
        if (
          !Number.isInteger(expiresAfter) ||
          expiresAfter < range.minS ||
          expiresAfter > range.maxS
        ) {
          return fail(
            apiErrors.badRequest(
              `Invalid 'expires_after[seconds]': between ${range.minS} and ${range.maxS}.`,
              'expires_after[seconds]',
            ),
          );
        }
      }
      return add(tmp, filename, purpose, bytes, nowMs, expiresAfter);
    },

    /** A file that exists and has not expired. */
    get(id: string): FileObject | undefined {
      return live(files.get(id));
    },

    pathOf,

    /** The content from byte `start` on (a Range request), streamed from disk. */
    contentStream(id: string, start = 0) {
      return createReadStream(pathOf(id), { highWaterMark: 256 * 1024, start });
    },

    list(query: ListFilesQuery): { data: FileObject[]; has_more: boolean } {
      const upTo = query.createdUpTo;
      let all = [...files.values()].filter(
        (f) =>
          live(f) !== undefined &&
          (query.purpose === undefined || f.purpose === query.purpose) &&
          (upTo === undefined || (createdMs.get(f.id) ?? f.created_at * 1000) <= upTo),
      );
      all.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
      if (query.order === 'desc') all.reverse();
      if (query.after !== undefined) {
        const i = all.findIndex((f) => f.id === query.after);
        all = i === -1 ? [] : all.slice(i + 1);
      }
      return { data: all.slice(0, query.limit), has_more: all.length > query.limit };
    },

    async delete(id: string): Promise<boolean> {
      const f = files.get(id);
      if (f === undefined) return false;
      files.delete(id);
      await rm(pathOf(id), { force: true });
      await save();
      return live(f) !== undefined; // an expired file was gone already: 404
    },

    flush: () => saving,
  };
}

export type FileStore = Awaited<ReturnType<typeof openFileStore>>;
